"""Host health overview: per host load, overcommit, guests, storage pools and networks.

Load and guests come from the snapshots the sessions already make (repainted every 2 s); storage
and networks are read here, one thread per host, so a slow host never holds up the others.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping
from functools import partial
from itertools import pairwise

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.live.models import HostSnapshot, HostStatus
from tuivirt.backend.ops.health import host_health as health
from tuivirt.backend.ops.health.host_health import HostStorage, Level, PoolHealth
from tuivirt.format import format_bytes, format_kib
from tuivirt.ui.shared.commands import ShowsFleet
from tuivirt.ui.shared.history import History
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader

REPAINT_SECONDS = 2.0
STORAGE_SECONDS = 10.0
LABEL_WIDTH = 11
TIMES = "\N{MULTIPLICATION SIGN}"

# A symbol as well as a colour, so that levels read on a monochrome terminal.
MARKS = {Level.OK: "  ", Level.WARN: "▲ ", Level.CRITICAL: "✖ "}
STYLES = {Level.OK: "", Level.WARN: "$text-warning", Level.CRITICAL: "$text-error"}
LEGEND = f"▲ warning   ✖ critical   pools and networks re-read every {STORAGE_SECONDS:g} s"

Storage = HostStorage | str | None  # read, the reason it could not be, or not read yet


def block_id(uri: str) -> str:
    """A DOM id for a host's block: the URI made safe, plus a checksum so that two never clash."""
    return f"host-{re.sub(r'[^A-Za-z0-9_-]', '_', uri)}-{zlib.crc32(uri.encode()):08x}"


def _line(label: str, value: str, level: Level = Level.OK) -> Content:
    style = STYLES[level]
    if not style:
        return Content(f"{MARKS[level]}{label:<{LABEL_WIDTH}}{value}")
    return Content.assemble((MARKS[level], style), f"{label:<{LABEL_WIDTH}}", (value, style))


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} %"


def _pool_line(label: str, pool: PoolHealth) -> Content:
    if pool.used_pct is None:
        return _line(label, f"{pool.name} inactive")
    text = (
        f"{pool.name} {format_bytes(pool.capacity_bytes)}, {format_bytes(pool.available_bytes)} free, "
        f"{pool.used_pct:.0f} % used"
    )
    return _line(label, text, health.pool_level(pool.used_pct))


def _storage_lines(storage: Storage) -> list[Content]:
    if storage is None:
        return [_line("Storage", "reading…")]
    if isinstance(storage, str):
        return [_line("Storage", f"could not read: {storage}", Level.WARN)]
    pools = [_pool_line("Pools" if i == 0 else "", p) for i, p in enumerate(storage.pools)]
    return [
        *(pools or [_line("Pools", "none")]),
        _line("Networks", ", ".join(storage.networks) or "none active"),
    ]


def host_block(snapshot: HostSnapshot, storage: Storage) -> Content:
    """One host's lines: a heading, then one line per measure with its level marked."""
    facts, name = snapshot.facts, (snapshot.config.name, "bold")
    if snapshot.status is not HostStatus.UP:
        level = Level.CRITICAL if snapshot.status is HostStatus.DOWN else Level.OK
        reason = f": {snapshot.reason}" if snapshot.reason else ""
        text = f" · {snapshot.status.value}{reason}"
        return Content.assemble((MARKS[level], STYLES[level]), name, (text, STYLES[level]))
    heading = Content.assemble(
        MARKS[Level.OK],
        name,
        f" · up · libvirt {facts.libvirt_version} · {facts.hypervisor} · {facts.cpus} CPUs"
        f" · {format_kib(facts.memory_kib)}",
    )
    cpu = snapshot.cpu_pct
    used, used_pct = snapshot.memory_used_kib, health.memory_used_pct(snapshot)
    memory = "-"
    if used is not None and snapshot.memory_free_kib is not None:
        memory = f"{format_kib(used)} used, {format_kib(snapshot.memory_free_kib)} free ({_pct(used_pct)})"
    ratio = health.vcpu_ratio(snapshot)
    allocated, given = health.allocated_vcpus(snapshot), health.guest_memory_kib(snapshot)
    vcpus = "reading the guests…" if allocated is None else f"{allocated} on {facts.cpus} CPUs"
    guest_pct = health.guest_memory_pct(snapshot)
    guest_ram = (
        "reading the guests…" if given is None else f"{format_kib(given)} of {format_kib(facts.memory_kib)}"
    )
    states = health.domains_by_state(snapshot)
    lines = [
        heading,
        _line("CPU", _pct(cpu), health.cpu_level(cpu)),
        _line("Memory", memory, health.memory_level(used_pct)),
        _line("vCPUs", vcpus + ("" if ratio is None else f" = {ratio:.1f}{TIMES}"), health.vcpu_level(ratio)),
        _line(
            "Guest RAM",
            guest_ram + ("" if given is None else f" = {_pct(guest_pct)}"),
            health.guest_memory_level(guest_pct),
        ),
        _line("Guests", " · ".join(f"{n} {label}" for label, n in states.items()) or "none"),
        *_storage_lines(storage),
    ]
    return Content("\n").join(lines)


# The summary: one line per host, so that ten hosts fit on an 80x24 screen above the details.
SUMMARY_COLUMNS: tuple[tuple[str, int, str], ...] = (
    ("Host", 12, "<"),
    ("State", 10, "<"),
    ("CPU%", 5, ">"),
    ("Mem%", 5, ">"),
    ("vCPU/CPU", 9, ">"),
    ("RAM%", 5, ">"),
    ("Pool%", 6, ">"),
    ("Guests", 8, ">"),
)


def _cell(text: str, column: int, level: Level = Level.OK) -> tuple[str, str]:
    _title, width, align = SUMMARY_COLUMNS[column]
    return f"{text[:width]:{align}{width}} ", STYLES[level]


def _fullest_pool(storage: Storage) -> float | None:
    if not isinstance(storage, HostStorage):
        return None
    used = [p.used_pct for p in storage.pools if p.used_pct is not None]
    return max(used, default=None)


def summary_line(snapshot: HostSnapshot, storage: Storage) -> Content:
    """One host on one line; the mark in front is its worst level, each cell coloured by its own."""
    name = _cell(snapshot.config.name, 0)
    if snapshot.status is not HostStatus.UP:
        level = Level.CRITICAL if snapshot.status is HostStatus.DOWN else Level.OK
        return Content.assemble((MARKS[level], STYLES[level]), name, _cell(snapshot.status.value, 1, level))
    cpu, memory = snapshot.cpu_pct, health.memory_used_pct(snapshot)
    ratio, guest_pct, pool = (
        health.vcpu_ratio(snapshot),
        health.guest_memory_pct(snapshot),
        _fullest_pool(storage),
    )
    levels = [
        health.cpu_level(cpu),
        health.memory_level(memory),
        health.vcpu_level(ratio),
        health.guest_memory_level(guest_pct),
        health.pool_level(pool),
    ]
    values = [_pct(cpu), _pct(memory), "-" if ratio is None else f"{ratio:.1f}{TIMES}", _pct(guest_pct)]
    values.append(_pct(pool))
    cells = [
        _cell(v.removesuffix(" %"), i + 2, lv) for i, (v, lv) in enumerate(zip(values, levels, strict=True))
    ]
    worst = max(levels)
    guests = f"{snapshot.running}/{len(snapshot.domains)}"
    return Content.assemble((MARKS[worst], STYLES[worst]), name, _cell("up", 1), *cells, _cell(guests, 7))


def summary(snapshots: Mapping[str, HostSnapshot], storage: Mapping[str, Storage]) -> Content:
    heading = "  " + "".join(_cell(title, i)[0] for i, (title, _w, _a) in enumerate(SUMMARY_COLUMNS))
    lines = [Content.styled(heading.rstrip(), "bold")]
    lines += [summary_line(snapshot, storage.get(uri)) for uri, snapshot in snapshots.items()]
    return Content("\n").join(lines)


class StorageRead(HostReply[HostStorage]):
    """A host's pools and networks, or why they could not be read."""

    def __init__(self, uri: str, outcome: HostStorage | HostCallError) -> None:
        super().__init__(outcome)
        self.uri = uri


class HealthScreen(ShowsFleet, Keymapped, Screen[None]):
    """Full screen overview of every host; Esc goes back, r re-reads storage at once."""

    BINDINGS = [
        Binding("escape", "close", "Back", id="health.close", tooltip="Back to the guests"),
        Binding("r", "refresh", "Re-read storage", id="health.refresh", tooltip="Read pools and networks"),
    ]

    def __init__(self, fleet: Fleet) -> None:
        super().__init__()
        self._fleet = fleet
        self._storage: dict[str, HostStorage | str] = {}
        self._reading: set[str] = set()  # hosts with a read under way: never two at once
        self._blocks: dict[str, Plain] = {}

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Plain(LEGEND, id="health-legend")
        with VerticalScroll(id="health-hosts"):
            yield Plain("", id="health-summary")
            yield Plain("No hosts.", id="health-empty")
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = "Host health"
        self.repaint()
        self.read_storage()
        self.set_interval(REPAINT_SECONDS, self.repaint)
        self.set_interval(STORAGE_SECONDS, self.read_storage)
        self.query_one("#health-hosts").focus()  # arrows and page keys scroll

    def action_close(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.read_storage()

    def fleet_shown(self, snapshot: HostSnapshot, history: History) -> None:
        self.repaint()

    def repaint(self) -> None:
        snapshots = self._fleet.in_host_order()
        hosts = self.query_one("#health-hosts", VerticalScroll)
        for uri, snapshot in snapshots.items():
            if snapshot.status is not HostStatus.UP:
                self._storage.pop(uri, None)  # stale once the host is gone; read again when it is back
            elif uri not in self._storage:
                self._read_host(uri)
            block = self._blocks.get(uri)
            if block is None:
                block = self._blocks[uri] = Plain(id=block_id(uri), classes="health-host")
                hosts.mount(block)
            block.update(host_block(snapshot, self._storage.get(uri)))
        for uri, block in self._blocks.items():
            # Hidden rather than removed: a host added again gets its block (and DOM id) back.
            block.display = uri in snapshots
        order = [self._blocks[uri] for uri in snapshots]
        if [c for c in hosts.children if c in order] != order:
            for before, block in pairwise(order):
                hosts.move_child(block, after=before)
        self.query_one("#health-empty").display = not snapshots
        summary_widget = self.query_one("#health-summary", Plain)
        summary_widget.display = bool(snapshots)
        summary_widget.update(summary(snapshots, self._storage))

    def read_storage(self) -> None:
        """Read pools and networks of every host that is up, each on its own thread."""
        for uri, snapshot in self._fleet.in_host_order().items():
            if snapshot.status is HostStatus.UP:
                self._read_host(uri)

    def _read_host(self, uri: str) -> None:
        if uri not in self._fleet.sessions or uri in self._reading:
            return  # the last read has not returned yet: a frozen host gets one thread, not many
        self._reading.add(uri)
        job = partial(self._fleet.call, uri, health.read_storage, what="Read pools and networks")
        call_host(self, job, partial(StorageRead, uri), group="health-storage")

    @on(StorageRead)
    def _storage_read(self, message: StorageRead) -> None:
        self._reading.discard(message.uri)
        outcome = message.outcome  # shown on the host's storage line, whichever it is
        self._storage[message.uri] = outcome.reason if isinstance(outcome, HostCallError) else outcome
        self.repaint()
