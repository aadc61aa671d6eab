"""The networks of every host, one row each, and what can be done to the one under the cursor:
start, stop, autostart, define a network, delete."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from textual.binding import Binding

from tuivirt.backend.fleet.fleet import Fleet
from tuivirt.backend.ops.networks import virtual_networks as networks
from tuivirt.backend.ops.networks.virtual_networks import NetworkInfo, NetworkRequest, local_routes
from tuivirt.format import yes_no
from tuivirt.ui.networks.network_form import NetworkFormScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.host_change import change
from tuivirt.ui.shared.keymap import explain_readonly, readonly_twins
from tuivirt.ui.shared.widgets.snapshot_table import SnapshotTable
from tuivirt.ui.shared.widgets.table_layout import Column


@dataclass(frozen=True)
class NetworkRow:
    host_uri: str
    host: str
    network: NetworkInfo


def network_key(uri: str, name: str) -> str:
    return f"{uri}#{name}"


def _column(key: str, label: str, width: int, cell: Any, priority: int, **extra: Any) -> Column[NetworkRow]:
    return Column(key, label, width, lambda row: cell(row.network), priority=priority, **extra)


def _leases(network: NetworkInfo) -> str:
    return "-" if network.leases is None else str(network.leases)


NETWORK_COLUMNS: list[Column[NetworkRow]] = [
    Column("host", "Host", 10, lambda row: row.host, priority=3),
    _column("name", "Network", 12, lambda n: n.name, 0, flex=True, max_width=20),
    _column("state", "State", 8, lambda n: "active" if n.active else "inactive", 0),
    _column("autostart", "Auto", 4, lambda n: yes_no(n.autostart), 5),
    _column("forward", "Mode", 8, lambda n: n.forward, 1),
    _column("bridge", "Bridge", 8, lambda n: n.bridge, 6),
    _column("subnet", "Subnet", 18, lambda n: n.subnet, 0),
    _column("dhcp", "DHCP range", 31, lambda n: n.dhcp, 7),
    _column("leases", "Leases", 6, _leases, 2, align="right"),
    _column("guests", "Guests", 6, lambda n: f"{len(n.running)}/{len(n.guests)}", 4, align="right"),
]


class NetworksTable(SnapshotTable[NetworkRow]):
    BINDINGS = [
        Binding("enter", "leases", "Leases", show=False, id="networks.leases"),
        Binding("s", "start", "Start", id="networks.start"),
        Binding("x", "stop", "Stop", id="networks.stop"),
        Binding("a", "autostart", "Autostart", show=False, id="networks.autostart"),
        Binding("n", "define", "New network", id="networks.define"),
        Binding("d,delete", "delete", "Delete", id="networks.delete"),
    ]
    BINDINGS += readonly_twins(BINDINGS, {"start", "stop", "autostart", "define", "delete"})

    def __init__(self, fleet: Fleet, id: str | None = None) -> None:  # noqa: A002
        super().__init__(NETWORK_COLUMNS, tie_break=lambda row: (row.host, row.network.name), id=id)
        self._fleet = fleet
        self.sort_by("name")

    def action_explain_readonly(self, what: str) -> None:
        explain_readonly(self, what)

    def selected(self) -> NetworkRow | None:
        return self.item(self.cursor_key) if self.cursor_key else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "explain_readonly":
            return self._fleet.readonly
        row = self.selected()
        if action == "leases":
            return True
        if self._fleet.readonly:
            return False
        if action == "start":
            return row is not None and not row.network.active
        if action == "stop":
            return row is not None and row.network.active
        if action == "autostart":
            return row is not None and row.network.persistent
        if action == "delete":
            return row is not None
        return bool(self._fleet.sessions) if action == "define" else True

    def _change(self, row: NetworkRow, work: Any, what: str) -> None:
        change(self, self._fleet, row.host_uri, work, f"{what} network {row.network.name}")

    def action_leases(self) -> None:
        self.screen.focus_next()

    def action_start(self) -> None:
        if row := self.selected():
            self._change(row, partial(networks.start_network, name=row.network.name), "Start")

    def action_stop(self) -> None:
        row = self.selected()
        if row is None:
            return
        if not row.network.running:
            self._change(row, partial(networks.stop_network, name=row.network.name), "Stop")
            return
        body = (
            f"Stop {row.network.name} on {row.host}? Running {', '.join(row.network.running)} lose their "
            "link to it until it is started again."
        )

        def chosen(yes: bool | None) -> None:
            if yes:
                self._change(row, partial(networks.stop_network, name=row.network.name), "Stop")

        self.app.push_screen(ConfirmScreen("Stop a network in use?", body, "Stop"), chosen)

    def action_autostart(self) -> None:
        if row := self.selected():
            on = not row.network.autostart
            self._change(row, partial(networks.set_autostart, name=row.network.name, on=on), "Autostart")

    def action_define(self) -> None:
        row = self.selected()
        sessions = self._fleet.sessions
        uri = row.host_uri if row and row.host_uri in sessions else next(iter(sessions))
        existing = [r.network for k in self.keys if (r := self.item(k)) and r.host_uri == uri]

        def chosen(request: NetworkRequest | None) -> None:
            if request is not None:
                work = partial(networks.define_network, request=request)
                change(self, self._fleet, uri, work, f"Define network {request.name}")

        form = NetworkFormScreen(self._fleet.host_name(uri), existing, local_routes(uri))
        self.app.push_screen(form, chosen)

    def action_delete(self) -> None:
        row = self.selected()
        if row is None:
            return
        network = row.network
        users = (
            f"Running {', '.join(network.running)} use it and lose their link. " if network.running else ""
        )
        body = f"Delete network {network.name} on {row.host}? {users}Its definition goes; guests keep theirs."

        def chosen(yes: bool | None) -> None:
            if yes:
                work = partial(networks.delete_network, name=network.name, force=True)
                self._change(row, work, "Delete")

        title = "Delete a network in use?" if network.running else "Delete a network?"
        self.app.push_screen(ConfirmScreen(title, body, "Delete"), chosen)
