"""Set a user's password inside a running guest through its agent: user, password, and the
password again (never shown, never kept)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input

from tuivirt.backend.ops.agent.actions import check_password_form
from tuivirt.ui.shared.dialogs.device_form import DeviceFormScreen
from tuivirt.ui.shared.form_rows import row, show_reasons
from tuivirt.ui.shared.plain import Plain, PlainLabel


@dataclass(frozen=True)
class PasswordRequest:
    user: str
    password: str


class PasswordFormScreen(DeviceFormScreen[PasswordRequest]):
    def __init__(self, guest: str) -> None:
        super().__init__()
        self._guest = guest

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="device-form"):
            yield PlainLabel(f"Set a password in {self._guest}", classes="dialog-title")
            yield Plain("Through the guest agent (chpasswd inside the guest).", classes="dialog-note")
            yield row("User", "user", Input("root"))
            yield row("Password", "password", Input(password=True))
            yield row("Again", "again", Input(password=True))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Set (ctrl+s)", variant="primary", compact=True, id="add")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def _values(self) -> tuple[str, str, str]:
        return tuple(self.query_one(f"#{f}", Input).value for f in ("user", "password", "again"))  # type: ignore[return-value]

    def request(self) -> PasswordRequest:
        user, password, _again = self._values()
        return PasswordRequest(user.strip(), password)

    def check(self) -> dict[str, str]:
        user, password, again = self._values()
        errors = check_password_form(user.strip(), password, again)
        show_reasons(self, errors)
        self.query_one("#add", Button).disabled = bool(errors)
        return errors
