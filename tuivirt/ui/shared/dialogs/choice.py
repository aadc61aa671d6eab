"""A modal with a few labelled choices, each on a key (for example: force off / keep waiting)."""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button

from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainLabel, plain


class ChoiceScreen(Keymapped, ModalScreen[str]):
    """Dismisses with the chosen value; Escape gives ``cancel``."""

    BINDINGS = [Binding("escape", "choose('cancel')", "Cancel", id="choice.cancel")]

    def __init__(self, title: str, body: str | Text, choices: list[tuple[str, str, str]]) -> None:
        """``choices``: (value, key, label) in button order."""
        super().__init__()
        self._title = title
        self._body = body
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield PlainLabel(self._title, classes="dialog-title")
            yield Plain(self._body, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                compact = len(self._choices) > 3  # four or five full buttons overflow 80 columns
                for value, key, label in self._choices:
                    classes = "choice-compact" if compact else ""
                    yield Button(
                        plain(f"{label} ({key})"), compact=compact, classes=classes, id=f"choice-{value}"
                    )

    def on_key(self, event: events.Key) -> None:
        """Each choice's own key (they differ per dialog, so they are not bindings)."""
        value = next((value for value, key, _label in self._choices if key == event.key), None)
        if value is not None:
            event.stop()
            self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss((event.button.id or "choice-cancel").removeprefix("choice-"))

    def action_choose(self, value: str) -> None:
        self.dismiss(value)
