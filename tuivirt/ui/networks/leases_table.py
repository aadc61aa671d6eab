"""The DHCP leases of the network chosen above: MAC, IP, host name, expiry, and the guest that owns
the MAC."""

from __future__ import annotations

import ipaddress
import time

from rich.text import Text
from textual.binding import Binding

from tuivirt.backend.ops.networks.virtual_networks import Lease
from tuivirt.ui.shared.widgets.snapshot_table import SnapshotTable
from tuivirt.ui.shared.widgets.table_layout import Column


def _expiry(lease: Lease) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(lease.expiry)) if lease.expiry else "-"


def _guest(lease: Lease) -> Text:
    return Text(lease.guest) if lease.guest else Text("not a guest here", style="yellow")


LEASE_COLUMNS: list[Column[Lease]] = [
    Column("mac", "MAC", 17, lambda lease: lease.mac, priority=1),
    Column(
        "ip", "IP", 18, lambda lease: lease.ip, lambda lease: ipaddress.ip_interface(lease.ip), priority=0
    ),
    Column("hostname", "Host name", 14, lambda lease: lease.hostname, priority=3, flex=True, max_width=30),
    Column("expiry", "Expires", 16, _expiry, priority=4),
    Column("guest", "Guest", 16, _guest, lambda lease: lease.guest, priority=0),
]


class LeasesTable(SnapshotTable[Lease]):
    BINDINGS = [Binding("escape", "networks", "Networks", show=False, id="leases.networks")]

    def __init__(self, id: str | None = None) -> None:  # noqa: A002
        super().__init__(LEASE_COLUMNS, tie_break=lambda lease: lease.mac, id=id)
        self.sort_by("ip")

    def show(self, leases: list[Lease]) -> None:
        self.update_items({lease.mac + lease.ip: lease for lease in leases}, replace_keys=list(self.keys))

    def action_networks(self) -> None:
        self.screen.focus_previous()
