"""`P`: the storage pools of every connected host above, the chosen pool's volumes below.

Pools are read when the screen opens, on `r`, after a change made here and after libvirt's storage
pool events (the sessions count them): not on every tick. Each host is read on its own worker, so
a slow host holds up only its own rows."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.ops.storage.pools import PoolInfo, list_pools
from tuivirt.backend.ops.storage.volumes import VolumeInfo, list_volumes
from tuivirt.ui.shared.dialogs.help import help_for
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.host_change import ChangeDone
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader
from tuivirt.ui.shared.widgets.snapshot_table import SnapshotTable
from tuivirt.ui.storage.pools_table import PoolRow, PoolsTable, pool_key
from tuivirt.ui.storage.volumes_table import VolumesTable

EVENT_CHECK_SECONDS = 1.0


class PoolsRead(HostReply[list[PoolInfo]]):
    def __init__(self, uri: str, outcome: list[PoolInfo] | HostCallError) -> None:
        super().__init__(outcome)
        self.uri = uri


class VolumesRead(HostReply[list[VolumeInfo]]):
    def __init__(self, key: str, outcome: list[VolumeInfo] | HostCallError) -> None:
        super().__init__(outcome)
        self.key = key


class StorageScreen(Keymapped, Screen[None]):
    BINDINGS = [
        Binding("r", "read", "Read again", id="storage.read"),
        Binding("question_mark", "help", "Keys", id="storage.help"),
        Binding("escape,P", "app.pop_screen", "Back", id="storage.close"),
    ]

    def __init__(self, fleet: Fleet) -> None:
        super().__init__()
        self.fleet = fleet
        self.reads = 0  # pool lists read (one per host and occasion): the tests count them
        self._problems: dict[str, str] = {}  # by URI: why a host's pools could not be read
        self._up_before: set[str] = set()  # the hosts up at the last check
        self._events_seen: dict[str, int] = {}
        self._volumes_of = ""  # the pool the volume table shows, and whether it was active

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Plain("reading…", id="storage-status")
        yield PoolsTable(self.fleet, id="pools")
        yield Plain("", id="volumes-title")
        yield VolumesTable(self.fleet, id="volumes")
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = "Storage"
        self.pools.focus()
        self.action_read()
        self.set_interval(EVENT_CHECK_SECONDS, self._check_events)

    @property
    def pools(self) -> PoolsTable:
        return self.query_one(PoolsTable)

    @property
    def volumes(self) -> VolumesTable:
        return self.query_one(VolumesTable)

    # -- reading -----------------------------------------------------------------------

    def action_read(self) -> None:
        for uri in self.fleet.up_hosts():
            self._read_host(uri)
        self._volumes_of = ""  # read the selected pool's volumes again too
        self._read_volumes()

    def _read_host(self, uri: str) -> None:
        self.reads += 1
        session = self.fleet.sessions.get(uri)
        if session is not None:
            self._events_seen[uri] = session.storage_changes
        job = partial(self.fleet.call, uri, list_pools, what="Read the storage pools")
        call_host(self, job, partial(PoolsRead, uri), group=f"pools {uri}", exclusive=True)

    def _check_events(self) -> None:
        """Pools defined, started, stopped or rescanned (here, by virsh, by anyone): read again.
        A host that went down loses its rows until it is back (and read then)."""
        up = self.fleet.up_hosts()
        for uri in up:
            back = uri in self._problems and uri not in self._up_before  # ("not connected" stayed until r)
            if back or self.fleet.sessions[uri].storage_changes != self._events_seen.get(uri):
                self._read_host(uri)
        self._up_before = set(up)
        gone = [k for k in self.pools.keys if (row := self.pools.item(k)) and row.host_uri not in up]
        if gone:
            for row in filter(None, map(self.pools.item, gone)):
                self._events_seen.pop(row.host_uri, None)
            self.pools.update_items({}, replace_keys=gone)
            self._show_status()
            self._read_volumes()

    @on(PoolsRead)
    def _pools_read(self, message: PoolsRead) -> None:
        uri = message.uri
        mine = [k for k in self.pools.keys if k.startswith(pool_key(uri, ""))]
        if isinstance(message.outcome, HostCallError):
            self._problems[uri] = str(message.outcome)
            self.pools.update_items({}, replace_keys=mine)
        else:
            self._problems.pop(uri, None)
            host = self.fleet.host_name(uri)
            rows = {pool_key(uri, p.name): PoolRow(uri, host, p) for p in message.outcome}
            self.pools.update_items(rows, replace_keys=mine)
        self._show_status()
        self._read_volumes()
        self.pools.refresh_bindings()

    def _show_status(self) -> None:
        count = self.pools.row_count
        text = f"{count} pool{'s' if count != 1 else ''} on {len(self.fleet.up_hosts())} host(s)"
        if self._problems:
            text += ". " + "; ".join(self._problems.values())
        self.query_one("#storage-status", Plain).update(text)

    @on(SnapshotTable.CursorMoved, "#pools")
    def _pool_moved(self) -> None:
        self._read_volumes()

    def _read_volumes(self, *, again: bool = False) -> None:
        """The volumes of the pool under the cursor, when it changed (or ``again``)."""
        row = self.pools.selected()
        key = pool_key(row.host_uri, row.pool.name) if row else ""
        shown = f"{key} {row.pool.active}" if row else ""  # (a pool started since: read its volumes)
        if shown == self._volumes_of and not again:
            return
        self._volumes_of = shown
        title = self.query_one("#volumes-title", Plain)
        if row is None or not row.pool.active:
            self.volumes.show(row, [])
            title.update(f"Pool {row.pool.name} is not active: s starts it." if row else "")
            return
        title.update(f"Volumes of {row.pool.name} on {row.host}: reading…")
        job = partial(
            self.fleet.call,
            row.host_uri,
            partial(list_volumes, pool_name=row.pool.name),
            what="Read the volumes",
        )
        call_host(self, job, partial(VolumesRead, key), group="volumes", exclusive=True)

    @on(VolumesRead)
    def _volumes_read(self, message: VolumesRead) -> None:
        row = self.pools.selected()
        if row is None or message.key != pool_key(row.host_uri, row.pool.name):
            return  # the cursor moved on meanwhile
        title = self.query_one("#volumes-title", Plain)
        if isinstance(message.outcome, HostCallError):
            title.update(str(message.outcome))
            self.volumes.show(row, [])
            return
        self.volumes.show(row, message.outcome)
        orphans = sum(1 for v in message.outcome if v.orphan)
        title.update(
            f"Volumes of {row.pool.name} on {row.host}: {len(message.outcome)}, "
            f"{orphans} used by no guest (orphan)"
        )
        self.volumes.refresh_bindings()

    # -- changes -----------------------------------------------------------------------

    @on(ChangeDone)
    def _done(self, message: ChangeDone) -> None:
        if isinstance(message.outcome, HostCallError):
            cancelled = message.outcome.cancelled
            self.notify(str(message.outcome), severity="warning" if cancelled else "error", timeout=10)
        else:
            self.notify(f"{message.outcome}.")
        if message.uri in self.fleet.sessions:
            self._read_host(message.uri)
        self._read_volumes(again=True)

    def action_help(self) -> None:
        self.app.push_screen(help_for(self, "storage", "Tab moves between pools and volumes."))
