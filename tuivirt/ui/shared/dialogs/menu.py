"""A short menu in a modal: one line per choice with its key; the key or Enter on a line chooses,
Escape leaves. For more choices than buttons fit in 80 columns."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Key
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainLabel, plain


class MenuScreen(Keymapped, ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "leave", "Cancel", id="menu.cancel")]

    def __init__(self, title: str, note: str, choices: list[tuple[str, str, str]]) -> None:
        """``choices``: (value, key, label) in order."""
        super().__init__()
        self._title = title
        self._note = note
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="menu"):
            yield PlainLabel(self._title, classes="dialog-title")
            yield Plain(self._note, classes="dialog-note")
            yield OptionList(
                *(Option(plain(f"{key}  {label}"), id=value) for value, key, label in self._choices)
            )

    def on_key(self, event: Key) -> None:
        for value, key, _label in self._choices:
            if event.character == key:
                event.stop()
                self.dismiss(value)
                return

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_leave(self) -> None:
        self.dismiss(None)
