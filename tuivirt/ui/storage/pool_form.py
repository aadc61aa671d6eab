"""Define a directory pool: its name and folder (checked here when the host is this machine, by
libvirt's start otherwise), and whether to create the folder."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input

from tuivirt.backend.ops.storage.pools import check_dir_pool
from tuivirt.ui.shared.dialogs.device_form import DeviceFormScreen
from tuivirt.ui.shared.form_rows import row, show_reasons
from tuivirt.ui.shared.plain import Plain, PlainCheckbox, PlainLabel


@dataclass(frozen=True)
class PoolRequest:
    name: str
    path: str
    build: bool


class PoolFormScreen(DeviceFormScreen[PoolRequest]):
    def __init__(self, host: str, taken: set[str], local: bool) -> None:
        super().__init__()
        self._host = host
        self._taken = taken
        self._local = local

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="device-form"):
            yield PlainLabel(f"New directory pool on {self._host}", classes="dialog-title")
            yield Plain("It is started and marked to start with the host.", classes="dialog-note")
            yield row("Name", "name", Input(placeholder="images"))
            yield row("Folder", "path", Input(placeholder="/srv/images"))
            yield row("Create it", "build", PlainCheckbox("if missing", value=False))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Define (ctrl+s)", variant="primary", compact=True, id="add")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def request(self) -> PoolRequest:
        return PoolRequest(
            self.query_one("#name", Input).value.strip(),
            self.query_one("#path", Input).value.strip().rstrip("/") or "",
            self.query_one("#build", Checkbox).value,
        )

    def check(self) -> dict[str, str]:
        request = self.request()
        errors = check_dir_pool(
            request.name, request.path, self._taken, local=self._local, build=request.build
        )
        hints = {"path": "on this machine" if self._local else f"on {self._host}"}
        show_reasons(self, errors, hints)
        self.query_one("#add", Button).disabled = bool(errors)
        return errors

    @on(Checkbox.Changed)
    def _ticked(self) -> None:
        self.check()
