"""What the add-a-device dialogs share: Add only once every field is right, the reasons beside the
fields, Escape to cancel."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select

from tuivirt.ui.shared.keymap import Keymapped

R = TypeVar("R")


class DeviceFormScreen(Keymapped, ModalScreen[R | None], Generic[R]):
    """Subclasses compose the fields (and an #add and a #cancel button) and say what was asked."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="device_form.cancel"),
        Binding("ctrl+s", "add", "Add", id="device_form.add"),
    ]

    def request(self) -> R:
        raise NotImplementedError

    def check(self) -> dict[str, str]:
        """Show each field's reason (and disable Add while there is one); the errors."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self.check()

    @on(Input.Changed)
    @on(Select.Changed)
    def _edited(self) -> None:
        self.check()

    @on(Input.Submitted)
    @on(Button.Pressed, "#add")
    def action_add(self) -> None:
        if self.check():
            self.notify("Fix the fields first (the reason is beside each).", severity="warning")
            return
        self.dismiss(self.request())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
