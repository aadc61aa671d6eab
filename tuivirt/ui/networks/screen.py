"""`N`: the virtual networks of every connected host above, the chosen network's DHCP leases below.

Read when the screen opens, on `r`, after a change made here and after libvirt's network events
(the sessions count them); each host on its own worker."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.ops.networks.virtual_networks import Lease, NetworkInfo, list_leases, list_networks
from tuivirt.ui.networks.leases_table import LeasesTable
from tuivirt.ui.networks.networks_table import NetworkRow, NetworksTable, network_key
from tuivirt.ui.shared.dialogs.help import help_for
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.host_change import ChangeDone
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader
from tuivirt.ui.shared.widgets.snapshot_table import SnapshotTable

EVENT_CHECK_SECONDS = 1.0


class NetworksRead(HostReply[list[NetworkInfo]]):
    def __init__(self, uri: str, outcome: list[NetworkInfo] | HostCallError) -> None:
        super().__init__(outcome)
        self.uri = uri


class LeasesRead(HostReply[tuple[list[Lease], str]]):
    def __init__(self, key: str, outcome: tuple[list[Lease], str] | HostCallError) -> None:
        super().__init__(outcome)
        self.key = key


class NetworksScreen(Keymapped, Screen[None]):
    BINDINGS = [
        Binding("r", "read", "Read again", id="networks_screen.read"),
        Binding("question_mark", "help", "Keys", id="networks_screen.help"),
        Binding("escape,N", "app.pop_screen", "Back", id="networks_screen.close"),
    ]

    def __init__(self, fleet: Fleet) -> None:
        super().__init__()
        self.fleet = fleet
        self.reads = 0  # network lists read (one per host and occasion): the tests count them
        self._problems: dict[str, str] = {}
        self._events_seen: dict[str, int] = {}
        self._leases_of = ""

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Plain("reading…", id="networks-status")
        yield NetworksTable(self.fleet, id="networks")
        yield Plain("", id="leases-title")
        yield LeasesTable(id="leases")
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = "Networks"
        self.networks.focus()
        self.action_read()
        self.set_interval(EVENT_CHECK_SECONDS, self._check_events)

    @property
    def networks(self) -> NetworksTable:
        return self.query_one(NetworksTable)

    @property
    def leases(self) -> LeasesTable:
        return self.query_one(LeasesTable)

    def action_read(self) -> None:
        for uri in self.fleet.up_hosts():
            self._read_host(uri)
        self._read_leases(again=True)

    def _read_host(self, uri: str) -> None:
        self.reads += 1
        self._events_seen[uri] = self.fleet.sessions[uri].network_changes
        job = partial(self.fleet.call, uri, list_networks, what="Read the networks")
        call_host(self, job, partial(NetworksRead, uri), group=f"networks {uri}", exclusive=True)

    def _check_events(self) -> None:
        """Networks defined, started or stopped (here or by anyone): read again. A host that went
        down loses its rows until it is back."""
        up = self.fleet.up_hosts()
        for uri in up:
            if self.fleet.sessions[uri].network_changes != self._events_seen.get(uri):
                self._read_host(uri)
        gone = [k for k in self.networks.keys if (row := self.networks.item(k)) and row.host_uri not in up]
        for row in filter(None, map(self.networks.item, gone)):
            self._events_seen.pop(row.host_uri, None)
        if gone:
            self.networks.update_items({}, replace_keys=gone)
            self._read_leases()

    @on(NetworksRead)
    def _networks_read(self, message: NetworksRead) -> None:
        uri = message.uri
        mine = [k for k in self.networks.keys if k.startswith(network_key(uri, ""))]
        if isinstance(message.outcome, HostCallError):
            self._problems[uri] = str(message.outcome)
            self.networks.update_items({}, replace_keys=mine)
        else:
            self._problems.pop(uri, None)
            host = self.fleet.host_name(uri)
            rows = {network_key(uri, n.name): NetworkRow(uri, host, n) for n in message.outcome}
            self.networks.update_items(rows, replace_keys=mine)
        count = self.networks.row_count
        text = f"{count} network{'s' if count != 1 else ''} on {len(self.fleet.up_hosts())} host(s)"
        self.query_one("#networks-status", Plain).update(". ".join([text, *self._problems.values()]))
        self._read_leases()
        self.networks.refresh_bindings()

    @on(SnapshotTable.CursorMoved, "#networks")
    def _moved(self) -> None:
        self._read_leases()

    def _read_leases(self, *, again: bool = False) -> None:
        row = self.networks.selected()
        key = network_key(row.host_uri, row.network.name) if row else ""
        shown = f"{key} {row.network.active}" if row else ""
        if shown == self._leases_of and not again:
            return
        self._leases_of = shown
        title = self.query_one("#leases-title", Plain)
        if row is None or not row.network.active:
            self.leases.show([])
            title.update(f"Network {row.network.name} is not active: s starts it." if row else "")
            return
        title.update(f"Leases of {row.network.name} on {row.host}: reading…")
        work = partial(list_leases, name=row.network.name)
        job = partial(self.fleet.call, row.host_uri, work, what="Read the DHCP leases")
        call_host(self, job, partial(LeasesRead, key), group="leases", exclusive=True)

    @on(LeasesRead)
    def _leases_read(self, message: LeasesRead) -> None:
        row = self.networks.selected()
        if row is None or message.key != network_key(row.host_uri, row.network.name):
            return
        title = self.query_one("#leases-title", Plain)
        if isinstance(message.outcome, HostCallError):
            title.update(str(message.outcome))
            self.leases.show([])
            return
        leases, source = message.outcome
        self.leases.show(leases)
        title.update(f"DHCP leases of {row.network.name} on {row.host}: {len(leases)} (from {source})")

    @on(ChangeDone)
    def _done(self, message: ChangeDone) -> None:
        if isinstance(message.outcome, HostCallError):
            self.notify(str(message.outcome), severity="error", timeout=10)
        else:
            self.notify(f"{message.outcome}.")
        if message.uri in self.fleet.sessions:
            self._read_host(message.uri)

    def action_help(self) -> None:
        self.app.push_screen(help_for(self, "networks", "Tab moves between networks and leases."))
