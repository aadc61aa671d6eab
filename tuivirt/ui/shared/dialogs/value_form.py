"""Ask for one value, checked as it is typed with the reason shown beside it (a new disk size, an
ISO to insert); Enter or ctrl+s gives it back, Escape cancels."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input

from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainLabel, plain


class ValueFormScreen(Keymapped, ModalScreen[str | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="value_form.cancel"),
        Binding("ctrl+s", "done", "OK", id="value_form.done"),
    ]

    def __init__(self, title: str, note: str, value: str, problem: Callable[[str], str], button: str) -> None:
        """``problem(text)``: why the text will not do, or "" when it will."""
        super().__init__()
        self._title = title
        self._note = note
        self._value = value
        self._problem = problem
        self._button = button

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="value-form"):
            yield PlainLabel(self._title, classes="dialog-title")
            yield Plain(self._note, classes="dialog-note")
            yield Input(self._value, id="value")
            yield Plain("", id="value-why", classes="host-why")
            with Horizontal(classes="dialog-buttons"):
                yield Button(plain(f"{self._button} (enter)"), variant="primary", compact=True, id="done")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def on_mount(self) -> None:
        self._check()

    def _check(self) -> str:
        problem = self._problem(self.query_one("#value", Input).value.strip())
        why = self.query_one("#value-why", Plain)
        why.update(problem)
        why.set_class(bool(problem), "form-error")
        self.query_one("#done", Button).disabled = bool(problem)
        return problem

    @on(Input.Changed)
    def _changed(self) -> None:
        self._check()

    @on(Input.Submitted)
    @on(Button.Pressed, "#done")
    def action_done(self) -> None:
        if self._check():
            self.notify("Fix the value first (the reason is below it).", severity="warning")
            return
        self.dismiss(self.query_one("#value", Input).value.strip())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
