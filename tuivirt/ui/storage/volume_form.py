"""A new volume in a pool: name, size and format, checked against the pool's names and free space."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select

from tuivirt.backend.numbers import parse_size_bytes
from tuivirt.backend.ops.storage.pools import PoolInfo
from tuivirt.backend.ops.storage.volumes import VOLUME_FORMATS, check_volume
from tuivirt.format import format_bytes
from tuivirt.ui.shared.dialogs.device_form import DeviceFormScreen
from tuivirt.ui.shared.form_rows import options, row, show_reasons
from tuivirt.ui.shared.plain import Plain, PlainLabel, PlainSelect


@dataclass(frozen=True)
class VolumeRequest:
    name: str
    size: int
    format: str


class VolumeFormScreen(DeviceFormScreen[VolumeRequest]):
    def __init__(self, host: str, pool: PoolInfo, taken: set[str]) -> None:
        super().__init__()
        self._host = host
        self._pool = pool
        self._taken = taken

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="device-form"):
            yield PlainLabel(f"New volume in {self._pool.name} on {self._host}", classes="dialog-title")
            yield Plain(
                f"{format_bytes(self._pool.available)} free. A qcow2 volume grows as it is written.",
                classes="dialog-note",
            )
            yield row("Name", "name", Input(placeholder="data.qcow2"))
            yield row("Size", "size", Input("10G", placeholder="10G, 512M"))
            yield row(
                "Format", "format", PlainSelect(options(VOLUME_FORMATS), value="qcow2", allow_blank=False)
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Create (ctrl+s)", variant="primary", compact=True, id="add")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def _values(self) -> tuple[str, str, str]:
        fmt = self.query_one("#format", Select).value
        return (
            self.query_one("#name", Input).value.strip(),
            self.query_one("#size", Input).value.strip(),
            "" if fmt is Select.BLANK else str(fmt),
        )

    def request(self) -> VolumeRequest:
        name, size, fmt = self._values()
        return VolumeRequest(name, parse_size_bytes(size) or 0, fmt)

    def check(self) -> dict[str, str]:
        name, size, fmt = self._values()
        errors = check_volume(name, size, fmt, self._taken, self._pool.available)
        show_reasons(self, errors)
        self.query_one("#add", Button).disabled = bool(errors)
        return errors
