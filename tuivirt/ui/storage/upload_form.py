"""Upload a local file into a pool: into a new volume (named after the file unless told) or over an
existing one. The file and the room for it are checked before anything starts."""

from __future__ import annotations

import os

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select

from tuivirt.backend.ops.storage.pools import PoolInfo
from tuivirt.backend.ops.storage.transfer import UploadRequest, check_upload, local_file_size
from tuivirt.backend.ops.storage.volumes import VolumeInfo
from tuivirt.format import format_bytes
from tuivirt.ui.shared.dialogs.device_form import DeviceFormScreen
from tuivirt.ui.shared.form_rows import row, show_reasons
from tuivirt.ui.shared.plain import Plain, PlainLabel, PlainSelect

INTO = [("a new volume", "new"), ("an existing volume", "existing")]


class UploadFormScreen(DeviceFormScreen[UploadRequest]):
    def __init__(self, host: str, pool: PoolInfo, volumes: dict[str, VolumeInfo], under_cursor: str) -> None:
        super().__init__()
        self._host = host
        self._pool = pool
        self._volumes = volumes
        self._under_cursor = under_cursor

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="device-form"):
            yield PlainLabel(f"Upload a file into {self._pool.name} on {self._host}", classes="dialog-title")
            yield Plain(
                "The bytes go through the libvirt connection (ssh too): no scp. Holes stay holes.",
                classes="dialog-note",
            )
            yield row("File", "source", Input(placeholder="/home/me/debian.iso"))
            yield row("Into", "into", PlainSelect(INTO, value="new", allow_blank=False))
            yield row("Volume", "volume", Input(placeholder="the file's name"))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Upload (ctrl+s)", variant="primary", compact=True, id="add")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def request(self) -> UploadRequest:
        source = os.path.expanduser(self.query_one("#source", Input).value.strip())
        new = self.query_one("#into", Select).value == "new"
        name = self.query_one("#volume", Input).value.strip()
        if not name:
            name = os.path.basename(source) if new else self._under_cursor
        return UploadRequest(self._pool.name, source, name, new)

    def check(self) -> dict[str, str]:
        request = self.request()
        errors = check_upload(request, self._volumes, self._pool.available)
        size, _why = local_file_size(request.source)
        hints = {"volume": request.volume, "into": f"{format_bytes(self._pool.available)} free in the pool"}
        if size is not None:
            hints["source"] = format_bytes(size)
        show_reasons(self, errors, hints)
        self.query_one("#add", Button).disabled = bool(errors)
        return errors
