"""Add a disk to a guest: a new volume (pool, size, format), an existing image, or a CD-ROM drive
with an ISO (or empty). Every field is checked as it is typed, the reason beside it."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select

from tuivirt.backend.ops.common.host_offer import DISK_BUSES, DISK_FORMATS, HostOffer
from tuivirt.backend.ops.editor.disks import (
    COLD_BUSES,
    DiskKind,
    DiskRequest,
    added_when,
    check_disk,
    next_target,
)
from tuivirt.backend.ops.editor.guest_config import GuestConfig
from tuivirt.format import format_bytes
from tuivirt.ui.shared.dialogs.device_form import DeviceFormScreen
from tuivirt.ui.shared.form_rows import options, row, show_reasons
from tuivirt.ui.shared.plain import Plain, PlainLabel, PlainSelect

SHOWN = {
    DiskKind.NEW: ("pool", "size", "format"),
    DiskKind.EXISTING: ("path", "format"),  # (its format as it is on disk: qcow2 or raw)
    DiskKind.CDROM: ("path",),
}


class DiskFormScreen(DeviceFormScreen[DiskRequest]):
    def __init__(self, config: GuestConfig, offer: HostOffer) -> None:
        super().__init__()
        self._config = config
        self._offer = offer

    def compose(self) -> ComposeResult:
        pools = [(p.name, p.name) for p in self._offer.pools.values() if p.active]
        with Vertical(classes="dialog", id="device-form"):
            yield PlainLabel(f"Add a disk to {self._config.name}", classes="dialog-title")
            yield Plain(f"It is added {self._config.where}.", classes="dialog-note", id="disk-when")
            yield row(
                "Kind", "kind", PlainSelect(options(DiskKind), value=DiskKind.NEW.value, allow_blank=False)
            )
            yield row("Bus", "bus", PlainSelect(options(DISK_BUSES), value="virtio", allow_blank=False))
            yield row("Target", "target", Input(next_target(self._config.disks, "virtio")))
            yield row("Pool", "pool", PlainSelect(pools, value=pools[0][1]) if pools else PlainSelect(pools))
            yield row("Size", "size", Input("10G", placeholder="10G, 512M"))
            yield row(
                "Format", "format", PlainSelect(options(DISK_FORMATS), value="qcow2", allow_blank=False)
            )
            yield row("Path", "path", Input(placeholder="/var/lib/libvirt/images/disk.qcow2"))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add (ctrl+s)", variant="primary", compact=True, id="add")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def _value(self, field: str) -> str:
        widget = self.query_one(f"#{field}")
        if isinstance(widget, Select):
            return "" if widget.value is Select.BLANK else str(widget.value)
        assert isinstance(widget, Input)
        return widget.value.strip()

    def request(self) -> DiskRequest:
        return DiskRequest(
            kind=DiskKind(self._value("kind")),
            target=self._value("target"),
            bus=self._value("bus"),
            pool=self._value("pool"),
            size=self._value("size"),
            format=self._value("format"),
            path=self._value("path"),
        )

    def check(self) -> dict[str, str]:
        request = self.request()
        for field in ("pool", "size", "format", "path"):
            self.query_one(f"#{field}-row").display = field in SHOWN[request.kind]
        errors = check_disk(request, self._config, self._offer)
        # (The note once said "added now" while the hint beside a sata bus said "at next boot".)
        self.query_one("#disk-when", Plain).update(f"It is added {added_when(request, self._config)}.")
        hints = {"path": "empty: an empty drive" if request.kind is DiskKind.CDROM else "on the host"}
        if self._config.active and request.bus in COLD_BUSES:
            hints["bus"] = "does not hot-plug: at next boot"
        pool = self._offer.pools.get(request.pool)
        if pool is not None:
            hints["pool"] = f"{format_bytes(pool.free_bytes)} free"
        show_reasons(self, errors, hints)
        self.query_one("#add", Button).disabled = bool(errors)
        return errors

    @on(Select.Changed, "#bus")
    def _bus_chosen(self) -> None:
        self.query_one("#target", Input).value = next_target(self._config.disks, self._value("bus"))

    @on(Select.Changed, "#kind")
    def _kind_chosen(self) -> None:
        if self._value("kind") == DiskKind.CDROM and self._value("bus") == "virtio":
            self.query_one("#bus", Select).value = "sata"  # (its Changed sets the target)
        self.check()
