"""The pools of every host, one row each, and what can be done to the pool under the cursor:
start, stop, rescan, autostart, define a directory pool, delete."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from textual.binding import Binding

from tuivirt.backend.fleet.fleet import Fleet
from tuivirt.backend.ops.storage import pools
from tuivirt.backend.ops.storage.pools import PoolInfo
from tuivirt.format import format_bytes, format_pct, yes_no
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.host_change import change
from tuivirt.ui.shared.keymap import explain_readonly, readonly_twins
from tuivirt.ui.shared.widgets.snapshot_table import SnapshotTable
from tuivirt.ui.shared.widgets.table_layout import Column
from tuivirt.ui.storage.pool_form import PoolFormScreen, PoolRequest


@dataclass(frozen=True)
class PoolRow:
    host_uri: str
    host: str
    pool: PoolInfo


def pool_key(uri: str, name: str) -> str:
    return f"{uri}#{name}"


def _column(
    key: str, label: str, width: int, cell: object, priority: int, **extra: object
) -> Column[PoolRow]:
    return Column(key, label, width, lambda row: cell(row.pool), priority=priority, **extra)  # type: ignore[operator, arg-type]


def _size(value: int, active: bool) -> str:
    return format_bytes(value) if active else "-"


POOL_COLUMNS: list[Column[PoolRow]] = [
    Column("host", "Host", 10, lambda row: row.host, priority=3),
    _column("name", "Pool", 14, lambda p: p.name, 0, flex=True, max_width=24),
    _column("type", "Type", 7, lambda p: p.type, 6),
    _column("state", "State", 8, lambda p: "active" if p.active else "inactive", 0),
    _column("autostart", "Auto", 4, lambda p: yes_no(p.autostart), 5),
    _column("capacity", "Size", 9, lambda p: _size(p.capacity, p.active), 2, align="right"),
    _column("allocation", "Used", 9, lambda p: _size(p.allocation, p.active), 4, align="right"),
    _column("available", "Free", 9, lambda p: _size(p.available, p.active), 1, align="right"),
    _column("used_pct", "Use%", 5, lambda p: format_pct(p.used_pct), 1, align="right"),
    _column("path", "Path", 20, lambda p: p.path, 7),
]

DELETE_CHOICES = [
    ("undefine", "u", "Undefine"),
    ("remove", "r", "Undefine, remove folder"),
    ("cancel", "c", "Cancel"),
]


class PoolsTable(SnapshotTable[PoolRow]):
    BINDINGS = [
        Binding("enter", "volumes", "Volumes", show=False, id="pools.volumes"),
        Binding("s", "start", "Start", id="pools.start"),
        Binding("x", "stop", "Stop", id="pools.stop"),
        Binding("R", "rescan", "Rescan", show=False, id="pools.rescan"),
        Binding("a", "autostart", "Autostart", show=False, id="pools.autostart"),
        Binding("n", "define", "New pool", id="pools.define"),
        Binding("d,delete", "delete", "Delete", id="pools.delete"),
    ]
    BINDINGS += readonly_twins(BINDINGS, {"start", "stop", "rescan", "autostart", "define", "delete"})

    def __init__(self, fleet: Fleet, id: str | None = None) -> None:  # noqa: A002
        super().__init__(POOL_COLUMNS, tie_break=lambda row: (row.host, row.pool.name), id=id)
        self._fleet = fleet
        self.sort_by("name")

    def action_explain_readonly(self, what: str) -> None:
        explain_readonly(self, what)

    def selected(self) -> PoolRow | None:
        return self.item(self.cursor_key) if self.cursor_key else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "explain_readonly":
            return self._fleet.readonly
        row = self.selected()
        if action in ("start", "stop", "rescan", "autostart", "delete", "define") and self._fleet.readonly:
            return False
        if action == "start":
            return row is not None and not row.pool.active
        if action in ("stop", "rescan"):
            return row is not None and row.pool.active
        if action == "autostart":
            return row is not None and row.pool.persistent
        if action == "delete":
            return row is not None
        if action == "define":
            return bool(self._fleet.sessions)
        return True

    def _change(self, row: PoolRow, work: object, what: str) -> None:
        change(self, self._fleet, row.host_uri, work, f"{what} pool {row.pool.name}")  # type: ignore[arg-type]

    def action_volumes(self) -> None:
        self.screen.focus_next()

    def action_start(self) -> None:
        if row := self.selected():
            self._change(row, partial(pools.start_pool, name=row.pool.name), "Start")

    def action_stop(self) -> None:
        if row := self.selected():
            self._change(row, partial(pools.stop_pool, name=row.pool.name), "Stop")

    def action_rescan(self) -> None:
        if row := self.selected():
            self._change(row, partial(pools.rescan_pool, name=row.pool.name), "Rescan")

    def action_autostart(self) -> None:
        if row := self.selected():
            on = not row.pool.autostart
            self._change(row, partial(pools.set_autostart, name=row.pool.name, on=on), "Autostart")

    def action_define(self) -> None:
        row = self.selected()
        uri = (
            row.host_uri if row and row.host_uri in self._fleet.sessions else next(iter(self._fleet.sessions))
        )
        taken = {r.pool.name for k in self.keys if (r := self.item(k)) and r.host_uri == uri}
        local = not urlsplit(uri).hostname  # this machine: the path can be checked here

        def chosen(request: PoolRequest | None) -> None:
            if request is not None:
                work = partial(
                    pools.define_dir_pool, name=request.name, path=request.path, build=request.build
                )
                change(self, self._fleet, uri, work, f"Define pool {request.name}")

        self.app.push_screen(PoolFormScreen(self._fleet.host_name(uri), taken, local), chosen)

    def action_delete(self) -> None:
        row = self.selected()
        if row is None:
            return
        pool = row.pool
        body = (
            f"Delete pool {pool.name} on {row.host}?\nUndefine: libvirt forgets the pool; its folder "
            f"{pool.path or '-'} and the files in it stay.\nRemove folder too: only an empty folder "
            "(delete its volumes first)."
        )

        def chosen(choice: str | None) -> None:
            if choice in ("undefine", "remove"):
                work = partial(pools.delete_pool, name=pool.name, remove_directory=choice == "remove")
                self._change(row, work, "Delete")

        self.app.push_screen(ChoiceScreen("Delete a pool?", body, DELETE_CHOICES), chosen)
