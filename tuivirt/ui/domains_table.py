"""The domains table: every guest of every host in one table, keyed by host and UUID."""

from __future__ import annotations

from rich.text import Text

from tuivirt.backend.models import DomainSnapshot, DomainState, HostSnapshot
from tuivirt.format import format_kib, format_pair, format_pct
from tuivirt.ui.snapshot_table import Column, SnapshotTable

STATE_STYLES = {
    DomainState.RUNNING: "green",
    DomainState.BLOCKED: "green",
    DomainState.PAUSED: "yellow",
    DomainState.SHUTDOWN: "yellow",
    DomainState.SHUTOFF: "dim",
    DomainState.CRASHED: "bold red",
    DomainState.PMSUSPENDED: "yellow",
}


def row_key(host_uri: str, uuid: str) -> str:
    """UUIDs are unique per host only (clones, two test-driver hosts): the key names both."""
    return f"{host_uri}#{uuid}"


def _state(d: DomainSnapshot) -> Text:
    return Text(d.state.label, style=STATE_STYLES.get(d.state, ""))


def _autostart(d: DomainSnapshot) -> str:
    return "-" if d.autostart is None else ("yes" if d.autostart else "no")


def _disk_total(d: DomainSnapshot) -> float | None:
    return None if d.disk_read_bps is None else d.disk_read_bps + (d.disk_write_bps or 0)


def _net_total(d: DomainSnapshot) -> float | None:
    return None if d.net_rx_bps is None else d.net_rx_bps + (d.net_tx_bps or 0)


# Lower priority survives narrower terminals: at 80 columns the last three drop out.
DOMAIN_COLUMNS: list[Column[DomainSnapshot]] = [
    Column("host", "Host", 10, lambda d: d.host, priority=3),
    Column("name", "Name", 14, lambda d: d.name, priority=0, flex=True, max_width=40),
    Column("state", "State", 11, _state, lambda d: d.state.label, priority=0),
    Column("vcpus", "vCPU", 4, lambda d: str(d.vcpus), lambda d: d.vcpus, "right", priority=2),
    Column("memory", "Memory", 9, lambda d: format_kib(d.memory_kib), lambda d: d.memory_kib, "right", 2),
    Column("cpu", "CPU%", 5, lambda d: format_pct(d.cpu_pct), lambda d: d.cpu_pct, "right", priority=1),
    Column("mem", "Mem%", 5, lambda d: format_pct(d.memory_pct), lambda d: d.memory_pct, "right", 4),
    Column(
        "disk",
        "Disk r/w",
        10,
        lambda d: format_pair(d.disk_read_bps, d.disk_write_bps),
        _disk_total,
        "right",
        5,
    ),
    Column("net", "Net rx/tx", 10, lambda d: format_pair(d.net_rx_bps, d.net_tx_bps), _net_total, "right", 6),
    Column("autostart", "Auto", 4, _autostart, priority=7),
]


def _filter_text(d: DomainSnapshot) -> str:
    return f"{d.name}\n{d.host}\n{d.state.label}"


class DomainsTable(SnapshotTable[DomainSnapshot]):
    """Each host's snapshot adds, updates and removes only that host's rows."""

    def __init__(self, id: str | None = None) -> None:  # noqa: A002 - Textual's name for it
        super().__init__(
            DOMAIN_COLUMNS, filter_text=_filter_text, tie_break=lambda d: (d.name, d.host), id=id
        )
        self._host_keys: dict[str, set[str]] = {}
        self.sort_by("name")

    def show(self, snapshot: HostSnapshot) -> None:
        uri = snapshot.config.uri
        items = {row_key(uri, d.uuid): d for d in snapshot.domains}
        self.update_items(items, replace_keys=self._host_keys.get(uri, set()))
        self._host_keys[uri] = set(items)
