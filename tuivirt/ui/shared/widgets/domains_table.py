"""The domains table: every guest of every host in one table, keyed by host and UUID."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType

from tuivirt.backend.live.models import DomainSnapshot, DomainState, HostSnapshot, HostStatus
from tuivirt.format import format_kib, format_pair, format_pct, printable, yes_no
from tuivirt.ui.shared.widgets.snapshot_table import SnapshotTable
from tuivirt.ui.shared.widgets.table_layout import Column

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


@dataclass(frozen=True)
class GuestRow:
    """A guest as the table shows it: its snapshot, an action under way, and the user's mark."""

    domain: DomainSnapshot
    host_uri: str
    pending: str | None = None
    marked: bool = False


NEXT_BOOT_MARK = "↻"  # after the state: the next boot changes this guest (details say what)


def _state(row: GuestRow) -> Text:
    if row.pending:
        return Text(row.pending, style="italic cyan")
    text = Text(row.domain.state.label, style=STATE_STYLES.get(row.domain.state, ""))
    if row.domain.next_boot:
        text.append(f" {NEXT_BOOT_MARK}", style="bold yellow")
    return text


def _disk_total(d: DomainSnapshot) -> float | None:
    return None if d.disk_read_bps is None else d.disk_read_bps + (d.disk_write_bps or 0)


def _net_total(d: DomainSnapshot) -> float | None:
    return None if d.net_rx_bps is None else d.net_rx_bps + (d.net_tx_bps or 0)


def _maybe(value: int | None, show: Callable[[int], str]) -> str:
    """A figure not read yet shows as nothing (the test driver's, on a slow link, for a moment)."""
    return "" if value is None else show(value)


def _memory(d: DomainSnapshot) -> str:
    return _maybe(d.memory_kib, format_kib)


def _snapshots(d: DomainSnapshot) -> str:
    return "" if d.snapshots is None else str(d.snapshots)


def _ip_sort(ip: str | None) -> tuple[int, ...]:
    """Numerically, unknown last."""
    return tuple(int(part) for part in ip.split(".")) if ip and ip.count(".") == 3 else (256,)


def _mark(row: GuestRow) -> Text:
    return Text("●", style="bold magenta") if row.marked else Text(" ")


def _column(
    key: str,
    label: str,
    width: int,
    cell: Callable[[DomainSnapshot], str | Text],
    sort_key: Callable[[DomainSnapshot], object] | None = None,
    align: str = "left",
    priority: int = 0,
    **extra: object,
) -> Column[GuestRow]:
    """A column that reads the row's snapshot."""
    return Column(
        key,
        label,
        width,
        lambda row: cell(row.domain),
        (lambda row: sort_key(row.domain)) if sort_key else None,
        align,  # type: ignore[arg-type]
        priority,
        **extra,  # type: ignore[arg-type]
    )


# Lower priority survives narrower terminals: at 80 columns the last four drop out.
DOMAIN_COLUMNS: list[Column[GuestRow]] = [
    Column("mark", "", 1, _mark, lambda row: not row.marked, priority=0),
    _column("host", "Host", 10, lambda d: d.host, lambda d: d.host.lower(), priority=3),
    _column(
        "name",
        "Name",
        14,
        lambda d: printable(d.name),
        lambda d: d.name.lower(),
        priority=0,
        flex=True,
        max_width=40,
    ),
    Column("state", "State", 14, _state, lambda row: row.domain.state.label, priority=0),
    _column("vcpus", "vCPU", 4, lambda d: _maybe(d.vcpus, str), lambda d: d.vcpus, "right", priority=2),
    _column("memory", "Memory", 9, _memory, lambda d: d.memory_kib, "right", 2),
    _column("cpu", "CPU%", 5, lambda d: format_pct(d.cpu_pct), lambda d: d.cpu_pct, "right", priority=1),
    _column("mem", "Mem%", 5, lambda d: format_pct(d.memory_pct), lambda d: d.memory_pct, "right", 4),
    _column(
        "disk",
        "Disk r/w",
        10,
        lambda d: format_pair(d.disk_read_bps, d.disk_write_bps),
        _disk_total,
        "right",
        5,
    ),
    _column(
        "net", "Net rx/tx", 10, lambda d: format_pair(d.net_rx_bps, d.net_tx_bps), _net_total, "right", 6
    ),
    _column("autostart", "Auto", 4, lambda d: yes_no(d.autostart), lambda d: d.autostart, priority=7),
    _column("snapshots", "Snap", 4, _snapshots, lambda d: d.snapshots or 0, "right", priority=8),
    # Only while some guest has a tag; then before Mem% and the host at 80 columns.
    _column("tags", "Tags", 10, lambda d: " ".join(d.tags), priority=3),
    # From the guest agent (else the DHCP lease, ARP): on wide terminals only.
    _column("ip", "IP", 15, lambda d: d.ip or "", lambda d: _ip_sort(d.ip), priority=9),
    _column("os", "OS", 16, lambda d: printable(d.os_name or ""), priority=10),
]


def _group_title(by: str, name: str, rows: list[GuestRow]) -> str:
    """'▸ web: 4 guests, 3 running'"""
    running = sum(1 for row in rows if row.domain.state is DomainState.RUNNING)  # (not paused)
    label = name or ("no tag" if by == "tag" else "?")
    return f"▸ {label}: {len(rows)} guest{'s' if len(rows) != 1 else ''}, {running} running"


def _filter_text(row: GuestRow) -> str:
    d = row.domain
    tags = "".join(f"\ntag:{tag}" for tag in d.tags)  # "tag:we" finds web and webmail, as you type
    return f"{d.name}\n{d.host}\n{d.state.label}" + ("\nchanges at next boot" if d.next_boot else "") + tags


GROUPINGS = ("", "host", "tag")  # b steps through them


class DomainsTable(SnapshotTable[GuestRow]):
    """Each host's snapshot adds, updates and removes only that host's rows."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("b", "group_next", "Group by", show=False, id="guests.group"),
    ]

    def __init__(self, pending_label: Callable[[str], str | None], id: str | None = None) -> None:  # noqa: A002
        super().__init__(
            DOMAIN_COLUMNS,
            filter_text=_filter_text,
            tie_break=lambda row: (row.domain.name, row.domain.host),
            id=id,
        )
        self._pending_label = pending_label
        self.grouped_by = ""
        self._host_keys: dict[str, set[str]] = {}
        self.marks: set[str] = set()
        self._tagged = False  # whether some guest has a tag (the Tags column shows only then)
        self.sort_by("name")

    def fitting_columns(self) -> list[Column[GuestRow]]:
        return self.columns if self._tagged else [c for c in self.columns if c.key != "tags"]

    def _fit_tags_column(self) -> None:
        tagged = any(row.domain.tags for row in self._items.values())
        if tagged != self._tagged:
            self._tagged = tagged
            if self.size.width:  # (before the first layout, that layout fits the columns)
                self.on_resize()

    def _row(self, key: str, domain: DomainSnapshot, host_uri: str) -> GuestRow:
        return GuestRow(domain, host_uri, self._pending_label(key), key in self.marks)

    def show(self, snapshot: HostSnapshot) -> None:
        uri = snapshot.config.uri
        rows = {}
        for domain in snapshot.domains:
            key = row_key(uri, domain.uuid)
            rows[key] = self._row(key, domain, uri)
        gone = self._host_keys.get(uri, set()) - rows.keys()
        self.marks -= gone
        up = snapshot.status is HostStatus.UP
        held = self.held_key
        if up and held is not None and held.startswith(row_key(uri, "")) and held not in rows:
            self.release_held()  # the host is back without that guest
        self.update_items(rows, replace_keys=gone, hold_cursor=not up)
        self._host_keys[uri] = set(rows)
        self._fit_tags_column()

    def forget_host(self, uri: str) -> None:
        gone = self._host_keys.pop(uri, set())
        self.marks -= gone
        if self.held_key is not None and self.held_key.startswith(row_key(uri, "")):
            self.release_held()  # the host was removed: its guests will not be back
        self.update_items({}, replace_keys=gone)
        self._fit_tags_column()

    def touch(self, keys: Iterable[str]) -> None:
        """Redraw these rows' marks and pending labels."""
        rows = {}
        for key in keys:
            row = self.item(key)
            if row is not None:
                rows[key] = self._row(key, row.domain, row.host_uri)
        self.update_items(rows)

    def toggle_mark(self, key: str) -> None:
        self.marks ^= {key}
        self.touch([key])

    def action_group_next(self) -> None:
        self.group(GROUPINGS[(GROUPINGS.index(self.grouped_by) + 1) % len(GROUPINGS)])
        self.notify(f"Grouped by {self.grouped_by}." if self.grouped_by else "Not grouped.")

    def group(self, by: str) -> None:
        """Group the rows by "host", by "tag" (a guest's first tag), or not ("")."""
        self.grouped_by = by
        groups = {
            "host": lambda row: row.domain.host,
            "tag": lambda row: (sorted(row.domain.tags) or [""])[0],
        }
        self.set_grouping(groups.get(by), partial(_group_title, by))

    def mark_tagged(self, tag: str) -> None:
        """Mark every guest shown that has ``tag`` (and only those)."""
        self.set_marks({key for key in self.keys if tag in self._items[key].domain.tags})

    def set_marks(self, keys: set[str]) -> None:
        changed = self.marks ^ keys
        self.marks = set(keys)
        self.touch(changed)
