"""One host's tick: a bulk stats call turned into a snapshot, with the rates since the last tick.

Per tick a host costs four RPCs whatever the number of guests: getAllDomainStats, getCPUStats
(two: the binding asks for the number of values first) and getFreeMemory. Attributes that would
cost a call per guest are read in bulk (autostart, persistence, managed save: one listAllDomains
filter each) and only when marked stale by an event. What has no bulk call (tags, snapshot counts,
the next boot, addresses, and vCPUs and memory where the bulk call lacks them: the test driver) is
read guest by guest between ticks, guests on screen first (guest_reads.py).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import libvirt

from tuivirt.backend.live.connection import Turns, turns_of
from tuivirt.backend.live.guest_facts import GuestFactsReader, GuestLine
from tuivirt.backend.live.guest_reads import GuestReads, Read, SlowFacts, read_info, read_slow, read_tags_of
from tuivirt.backend.live.models import (
    DomainSnapshot,
    DomainState,
    HostConfig,
    HostFacts,
    HostSnapshot,
    HostStatus,
    format_version,
)
from tuivirt.backend.live.stats import Counters, counters_from_stats, cpu_percent, host_cpu_percent, rate

STATS_GROUPS = (
    libvirt.VIR_DOMAIN_STATS_STATE
    | libvirt.VIR_DOMAIN_STATS_CPU_TOTAL
    | libvirt.VIR_DOMAIN_STATS_BALLOON
    | libvirt.VIR_DOMAIN_STATS_VCPU
    | libvirt.VIR_DOMAIN_STATS_INTERFACE
    | libvirt.VIR_DOMAIN_STATS_BLOCK
)


def is_gone(exc: libvirt.libvirtError) -> bool:
    """The guest was undefined under us: not an error, it just left."""
    return bool(exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN)


def read_facts(conn: libvirt.virConnect) -> HostFacts:
    """Once per connection: what the host is (five RPCs)."""
    model, memory_mib, cpus, *_ = conn.getInfo()
    driver = conn.getType()
    return HostFacts(
        hostname=conn.getHostname(),
        cpu_model=model,
        cpus=cpus,
        memory_kib=memory_mib * 1024,
        libvirt_version=format_version(conn.getLibVersion()),
        hypervisor=f"{driver} {format_version(conn.getVersion())}",
    )


def _memory_used(stats: dict[str, Any]) -> int | None:
    """In use as the guest sees it when its balloon driver reports, else qemu's resident size."""
    if "balloon.available" in stats and "balloon.unused" in stats:
        return int(stats["balloon.available"]) - int(stats["balloon.unused"])
    if "balloon.rss" in stats:
        return int(stats["balloon.rss"])
    return None


def _still(d: DomainSnapshot) -> bool:
    """Nothing moving: every rate unknown or zero (so equal stats next tick mean the same figures)."""
    rates = (d.cpu_pct, d.cpu_host_pct, d.disk_read_bps, d.disk_write_bps, d.net_rx_bps, d.net_tx_bps)
    return not any(rates)


def _line_of(d: DomainSnapshot) -> GuestLine:
    return GuestLine(d.os_name, d.ip, d.ip_source, d.agent)


class HostPoller:
    """Turns one connection into snapshots; keeps counters and per-guest reads between ticks."""

    def __init__(self, config: HostConfig, facts: HostFacts) -> None:
        self.config = config
        self.facts = facts
        self._counters: dict[str, Counters] = {}
        self._autostart: set[str] = set()
        self._persistent: set[str] = set()
        self._managed_save: set[str] = set()
        self._attributes_stale = True
        self._host_cpu: dict[str, int] | None = None
        # uuid -> (its stats, its snapshot) when that snapshot shows no movement: while the stats
        # stay the same, the same snapshot object goes out again, and the UI can tell by identity.
        self._still: dict[str, tuple[dict[str, Any], DomainSnapshot]] = {}
        self.reads = GuestReads()  # tags, vCPUs where the bulk call lacks them, snapshots, next boot
        self.guest_facts = GuestFactsReader()  # the OS and IP columns
        self._records: dict[str, tuple[libvirt.virDomain, DomainState]] = {}  # the last tick's guests
        self._polls = 0

    def invalidate(self, uuid: str | None = None) -> None:
        """Attributes (and the per-guest reads of ``uuid``, or of the guests on screen) are stale."""
        self._attributes_stale = True
        if uuid is None:
            self._still.clear()
            self.reads.invalidate_on_screen()
        else:
            self._still.pop(uuid, None)
            self.reads.invalidate(uuid)
            self.guest_facts.invalidate(uuid, started=True)

    def agent_event(self, uuid: str, connected: bool) -> None:
        self.guest_facts.agent_event(uuid, connected)
        self.reads.invalidate(uuid)

    def _read_attributes(self, conn: libvirt.virConnect) -> None:
        autostart = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_AUTOSTART)
        persistent = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_PERSISTENT)
        managed_save = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)
        self._autostart = {dom.UUIDString() for dom in autostart}
        self._persistent = {dom.UUIDString() for dom in persistent}
        self._managed_save = {dom.UUIDString() for dom in managed_save}
        self._attributes_stale = False

    def _host_numbers(self, turns: Turns) -> tuple[float | None, int | None]:
        try:
            with turns.use() as conn:
                cpu_stats = conn.getCPUStats(-1)
            # No real host has 0 bytes free: the test driver says 0 when its node has no NUMA cells.
            with turns.use() as conn:
                free_kib = conn.getFreeMemory() // 1024 or None
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                raise
            return None, None
        cpu_pct = host_cpu_percent(self._host_cpu, cpu_stats) if self._host_cpu else None
        self._host_cpu = cpu_stats
        return cpu_pct, free_kib

    def tick(self, connection: libvirt.virConnect | Turns) -> HostSnapshot:
        """The poll: four RPCs whatever the number of guests (three more when the attributes are
        stale). Per-guest reads are not made here: ``due_reads`` says which, the session makes them
        between ticks, and their results show from the next snapshot (or ``rebuild``). Each call
        takes its own turn on a shared connection: an action waits for one call, not the tick."""
        turns = turns_of(connection)
        with turns.use() as conn:
            records = conn.getAllDomainStats(STATS_GROUPS, 0)
        now = time.monotonic()
        if self._attributes_stale:
            with turns.use() as conn:
                self._read_attributes(conn)
        cpu_pct, free_kib = self._host_numbers(turns)
        domains = []
        self._records = {}
        for dom, stats in records:
            uuid = dom.UUIDString()
            state = DomainState.of(int(stats.get("state.state", 0)))
            self._records[uuid] = (dom, state)
            self.reads.seen(uuid, "vcpu.current" not in stats or "balloon.current" not in stats)
            domains.append(self._domain(uuid, dom, stats, now))
        seen = set(self._records)
        if not self._counters.keys() <= seen:  # guests went
            self.reads.forget(seen)
            self.guest_facts.forget(seen)
            self._counters = {k: v for k, v in self._counters.items() if k in seen}
            self._still = {k: v for k, v in self._still.items() if k in seen}
        self._polls += 1
        return HostSnapshot(
            self.config,
            HostStatus.UP,
            domains=tuple(domains),
            facts=self.facts,
            cpu_pct=cpu_pct,
            memory_free_kib=free_kib,
            poll=self._polls,
        )

    # -- per-guest reads, between ticks ---------------------------------------------------

    def due_reads(self) -> list[tuple[str, Read | None]]:
        """What to read now, most wanted first; (``""``, None) is the host's DHCP leases."""
        now = time.monotonic()
        running = {uuid for uuid, (_dom, state) in self._records.items() if state.is_active}
        due: list[tuple[str, Read | None]] = []
        visible = self.reads.visible
        if self.guest_facts.leases_due(now) and (running if visible is None else running & visible):
            due.append(("", None))
        due += self.reads.due(set(self._records), running, self.guest_facts.due(now), now)
        return due

    def read(self, connection: libvirt.virConnect | Turns, uuid: str, read: Read | None) -> None:
        """One read of ``due_reads`` (one to three RPCs, each its own turn); a guest gone meanwhile
        is skipped."""
        now = time.monotonic()
        turns = turns_of(connection)
        if read is None:
            with turns.use() as conn:
                self.guest_facts.read_leases(conn, now)
            return
        record = self._records.get(uuid)
        if record is None:
            return
        dom, state = record
        reads = self.reads
        try:
            if read is Read.INFO:
                with turns.use():
                    reads.info[uuid] = read_info(dom)
            elif read is Read.TAGS:
                with turns.use():
                    reads.tags[uuid] = read_tags_of(dom)
            elif read is Read.SLOW:
                reads.slow[uuid] = read_slow(dom, state, uuid in self._persistent, turns)
            else:
                macs = reads.slow.get(uuid, SlowFacts()).macs
                with turns.use():  # (the agent's calls: at most AGENT_TIMEOUT s, then left alone)
                    self.guest_facts.read(dom, uuid, state.is_active, macs, now)
        except libvirt.libvirtError as exc:
            # The guest gone meanwhile, or one guest's refusal: that read is skipped (until the
            # next event or due time); a lost connection ends the session's serve, as in a tick.
            if not is_gone(exc) and exc.get_error_domain() == libvirt.VIR_FROM_RPC:
                raise
        reads.done(uuid, read, now)

    def read_all(self, conn: libvirt.virConnect | Turns) -> None:
        """Every due read at once (`tuivirt list`: no screen, no hurry)."""
        for uuid, read in self.due_reads():
            self.read(conn, uuid, read)

    def rebuild(self, base: HostSnapshot) -> HostSnapshot:
        """``base`` (the last snapshot shown) with what the reads since brought (no RPC; the rates
        and the states that events set stay)."""
        domains = []
        for d in base.domains:
            fields = self._read_fields(d.uuid)
            if any(getattr(d, name) != value for name, value in fields.items()):
                d = replace(d, **fields)
                still = self._still.get(d.uuid)
                if still is not None:
                    self._still[d.uuid] = (still[0], d)
            domains.append(d)
        return replace(base, domains=tuple(domains))

    def _read_fields(self, uuid: str) -> dict[str, Any]:
        """What the per-guest reads say of ``uuid``, as DomainSnapshot fields."""
        slow = self.reads.slow.get(uuid, SlowFacts())
        fields: dict[str, Any] = dict(
            snapshots=slow.snapshots,
            next_boot=slow.next_boot,
            tags=self.reads.tags.get(uuid, ()),
            **vars(self.guest_facts.lines.get(uuid, GuestLine())),
        )
        if uuid in self.reads.info:
            fields["vcpus"], fields["memory_kib"] = self.reads.info[uuid]
        return fields

    # -- one guest's snapshot -------------------------------------------------------------

    def _domain(self, uuid: str, dom: libvirt.virDomain, stats: dict[str, Any], now: float) -> DomainSnapshot:
        still = self._still.get(uuid)
        if still is not None and still[0] == stats:
            fields = self._read_fields(uuid)
            if all(getattr(still[1], name) == value for name, value in fields.items()):
                return still[1]  # its counters keep their time: the next rate spans the whole stillness
        sampled_before = uuid in self._counters  # else no rate could be worked out this tick
        snapshot = self._new_domain(uuid, dom, stats, now)
        if sampled_before and _still(snapshot):
            self._still[uuid] = (stats, snapshot)
        else:
            self._still.pop(uuid, None)
        return snapshot

    def _new_domain(
        self, uuid: str, dom: libvirt.virDomain, stats: dict[str, Any], now: float
    ) -> DomainSnapshot:
        vcpus, memory = stats.get("vcpu.current"), stats.get("balloon.current")
        state = DomainState.of(int(stats.get("state.state", 0)))
        snapshot = DomainSnapshot(
            uuid=uuid,
            host=self.config.name,
            name=dom.name(),
            state=state,
            vcpus=None if vcpus is None else int(vcpus),
            memory_kib=None if memory is None else int(memory),
            memory_used_kib=_memory_used(stats),
            autostart=uuid in self._autostart,
            persistent=uuid in self._persistent,
            managed_save=uuid in self._managed_save,
        )
        snapshot = replace(snapshot, **self._read_fields(uuid))
        counters = counters_from_stats(stats, now)
        before = self._counters.get(uuid)
        self._counters[uuid] = counters
        if before is None or not state.is_active or counters.cpu_ns is None or before.cpu_ns is None:
            return snapshot
        seconds = counters.at - before.at
        return replace(
            snapshot,
            cpu_pct=cpu_percent(before.cpu_ns, counters.cpu_ns, seconds, snapshot.vcpus or 1),
            cpu_host_pct=cpu_percent(before.cpu_ns, counters.cpu_ns, seconds, self.facts.cpus),
            disk_read_bps=rate(before.disk_read, counters.disk_read, seconds),
            disk_write_bps=rate(before.disk_write, counters.disk_write, seconds),
            net_rx_bps=rate(before.net_rx, counters.net_rx, seconds),
            net_tx_bps=rate(before.net_tx, counters.net_tx, seconds),
        )
