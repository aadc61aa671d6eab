"""Clone a guest: the new name, full copy or linked clone, the pool for the new volumes; what
happens to each disk is listed, and the space is checked before anything is copied."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select

from tuivirt.backend.ops.clone.clone_source import (
    CloneMode,
    CloneRequest,
    CloneSource,
    check_clone,
    space_needed,
)
from tuivirt.format import format_bytes
from tuivirt.ui.shared.dialogs.device_form import DeviceFormScreen
from tuivirt.ui.shared.form_rows import options, row, show_reasons
from tuivirt.ui.shared.plain import Plain, PlainLabel, PlainSelect

SAME_POOL = ""


def free_name(source: CloneSource) -> str:
    names = (f"{source.name}-clone{'' if n == 1 else n}" for n in range(1, 1000))
    return next(n for n in names if n not in source.taken)


def disk_lines(source: CloneSource, request: CloneRequest) -> str:
    lines = []
    for disk in source.disks:
        if disk.shared:
            lines.append(f"{disk.target}  {disk.path}: shared (the clone uses the same file)")
        elif request.mode is CloneMode.FULL:
            where = f"{request.pool or disk.pool or '?'} ({format_bytes(disk.allocation)})"
            lines.append(f"{disk.target}  {disk.volume or disk.path}: copied into {where}")
        else:
            lines.append(f"{disk.target}  {disk.volume or disk.path}: overlaid, the source stays as it is")
    if source.nvram:
        lines.append(f"UEFI variables {source.nvram}: copied")
    return "\n".join(lines) or "No disks: only the definition is copied."


class CloneFormScreen(DeviceFormScreen[CloneRequest]):
    def __init__(self, source: CloneSource, host: str) -> None:
        super().__init__()
        self._source = source
        self._host = host

    def compose(self) -> ComposeResult:
        pools = [("each disk's own pool", SAME_POOL)] + [
            (p, p) for p, info in self._source.pools.items() if info.active
        ]
        with Vertical(classes="dialog", id="device-form"):
            yield PlainLabel(f"Clone {self._source.name} on {self._host}", classes="dialog-title")
            yield Plain("New UUID and MAC addresses.", id="clone-disks", classes="dialog-note")
            yield row("Name", "name", Input(free_name(self._source)))
            yield row(
                "Disks",
                "mode",
                PlainSelect(options(CloneMode), value=CloneMode.FULL.value, allow_blank=False),
            )
            yield row("Into", "pool", PlainSelect(pools, value=SAME_POOL, allow_blank=False))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Clone (ctrl+s)", variant="primary", compact=True, id="add")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def request(self) -> CloneRequest:
        pool = self.query_one("#pool", Select).value
        mode = self.query_one("#mode", Select).value
        return CloneRequest(
            self.query_one("#name", Input).value.strip(),
            CloneMode(str(mode)),
            "" if pool is Select.BLANK else str(pool),
        )

    def check(self) -> dict[str, str]:
        request = self.request()
        errors = check_clone(request, self._source)
        need = space_needed(self._source, request)
        hints = {
            "pool": "; ".join(
                f"{p}: {format_bytes(n)} needed, {format_bytes(self._source.pools[p].available)} free"
                for p, n in need.items()
                if p in self._source.pools
            ),
            "mode": "copies share nothing"
            if request.mode is CloneMode.FULL
            else "the source must not change",
        }
        show_reasons(self, errors, hints)
        note = "New UUID and MAC addresses.\n" + disk_lines(self._source, request)
        self.query_one("#clone-disks", Plain).update(note)
        self.query_one("#add", Button).disabled = bool(errors)
        return errors
