"""The hosts table: one row per libvirt connection, its state and its load."""

from __future__ import annotations

import time
from collections import Counter

from rich.text import Text

from tuivirt.backend.live.models import HostSnapshot, HostStatus
from tuivirt.format import format_kib, format_kib_pair, format_pct, printable
from tuivirt.ui.shared.widgets.snapshot_table import SnapshotTable
from tuivirt.ui.shared.widgets.table_layout import Column


def host_state_text(snapshot: HostSnapshot, now: float | None = None) -> Text:
    """connecting / up / down. The countdown comes before the reason, which is long and is cut
    on a narrow terminal (the notification raised when the host went down has it whole)."""
    if snapshot.status is HostStatus.UP:
        return Text("up", style="green")
    if snapshot.status is HostStatus.CONNECTING and snapshot.reason:
        return Text(f"reconnecting… (was down: {printable(snapshot.reason)})", style="yellow")
    if snapshot.status is HostStatus.CONNECTING:
        return Text("connecting…", style="yellow")
    if snapshot.status is HostStatus.OFFLINE:
        return Text("not connected (H: hosts)", style="dim")
    retry = ""
    if snapshot.retry_at is not None:
        seconds = round(snapshot.retry_at - (time.time() if now is None else now))
        retry = f", retry in {seconds} s" if seconds > 0 else ", retrying"
    return Text(f"down{retry}: {printable(snapshot.reason)}", style="bold red")


def _memory(h: HostSnapshot) -> str:
    used, total = h.memory_used_kib, h.facts.memory_kib
    if not total:
        return "-"
    return format_kib(total) if used is None else format_kib_pair(used, total)


def _guests(h: HostSnapshot) -> str:
    return f"{h.running}/{len(h.domains)}" if h.status is HostStatus.UP else "-"


HOST_COLUMNS: list[Column[HostSnapshot]] = [
    Column("name", "Host", 10, lambda h: h.config.name, priority=0),
    Column(
        "state", "State", 30, host_state_text, lambda h: str(h.status), priority=0, flex=True, max_width=70
    ),
    Column("cpu", "CPU%", 5, lambda h: format_pct(h.cpu_pct), lambda h: h.cpu_pct, "right", priority=1),
    Column("memory", "Memory", 15, _memory, lambda h: h.memory_used_kib, "right", priority=2),
    Column("guests", "Guests", 9, _guests, lambda h: h.running, "right", priority=1),
    Column("uri", "URI", 24, lambda h: h.config.uri, priority=3),
    Column("hypervisor", "Hypervisor", 11, lambda h: h.facts.hypervisor, priority=4),
    Column("libvirt", "libvirt", 7, lambda h: h.facts.libvirt_version, priority=5),
]


class HostsTable(SnapshotTable[HostSnapshot]):
    """Hosts keyed by URI, sorted by name; counts down to the next reconnection."""

    def __init__(self, id: str | None = None) -> None:  # noqa: A002 - Textual's name for it
        super().__init__(HOST_COLUMNS, id=id)
        self._down_reason: dict[str, str] = {}  # by URI, while the host is not up

    def on_mount(self) -> None:
        self.set_interval(1.0, self._tick_countdown)

    def show(self, snapshot: HostSnapshot) -> None:
        before = self.item(snapshot.config.uri)
        self.update_items({snapshot.config.uri: snapshot})
        if (
            before is None
            or before.status is not snapshot.status
            or len(before.domains) != len(snapshot.domains)
        ):
            self._summarize()  # (every host's count: only when one of them changed)
        self._notify_if_newly_down(snapshot)

    def _notify_if_newly_down(self, snapshot: HostSnapshot) -> None:
        """One toast per loss (or new reason), not one per reconnection attempt."""
        uri = snapshot.config.uri
        if snapshot.status is HostStatus.UP:
            self._down_reason.pop(uri, None)
        elif snapshot.status is HostStatus.DOWN and self._down_reason.get(uri) != snapshot.reason:
            self._down_reason[uri] = snapshot.reason
            self.notify(
                f"{snapshot.config.name} ({uri}): {printable(snapshot.reason)}",
                title="Host down",
                severity="error",
            )

    def _summarize(self) -> None:
        """On the pane's bottom edge, every host counted, also those scrolled out of its few lines."""
        hosts = [h for h in (self.item(k) for k in self.keys) if h is not None]
        states = Counter(h.status.value for h in hosts)
        counts = ", ".join(f"{n} {status}" for status, n in sorted(states.items(), key=lambda s: -s[1]))
        guests = sum(len(h.domains) for h in hosts)
        noun = "host" if len(hosts) == 1 else "hosts"
        summary = f"{len(hosts)} {noun}: {counts} · {guests:,} guests" if hosts else ""
        if self.border_subtitle != summary:
            self.border_subtitle = summary

    def forget(self, uri: str) -> None:
        self.update_items({}, replace_keys=[uri])
        self._summarize()

    def _tick_countdown(self) -> None:
        """Only down hosts have text that changes with the clock; repaint nothing otherwise."""
        if any(self.item(k).status is HostStatus.DOWN for k in self.keys):  # type: ignore[union-attr]
            self.rerender()
