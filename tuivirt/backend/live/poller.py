"""One host's tick: a bulk stats call turned into a snapshot, with the rates since the last tick.

Per tick the QEMU driver costs four RPCs whatever the number of guests: getAllDomainStats,
getCPUStats (two: the binding asks for the number of values first) and getFreeMemory.
Attributes that cost a call per guest are read in bulk (autostart
persistence, managed save: one listAllDomains filter each) and only when marked stale by an event. The
test driver fills only the state group of the bulk call: there, and only for what is missing,
``info()`` is called once per guest and kept until an event about that guest.
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import libvirt

from tuivirt.backend.live.guest_facts import GuestFactsReader, GuestLine
from tuivirt.backend.live.models import (
    DomainSnapshot,
    DomainState,
    HostConfig,
    HostFacts,
    HostSnapshot,
    HostStatus,
    format_version,
)
from tuivirt.backend.live.next_boot import next_boot_changes
from tuivirt.backend.live.stats import Counters, counters_from_stats, cpu_percent, host_cpu_percent, rate
from tuivirt.backend.live.tags import read_tags

STATS_GROUPS = (
    libvirt.VIR_DOMAIN_STATS_STATE
    | libvirt.VIR_DOMAIN_STATS_CPU_TOTAL
    | libvirt.VIR_DOMAIN_STATS_BALLOON
    | libvirt.VIR_DOMAIN_STATS_VCPU
    | libvirt.VIR_DOMAIN_STATS_INTERFACE
    | libvirt.VIR_DOMAIN_STATS_BLOCK
)


SNAPSHOT_COUNT_SECONDS = 60.0


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


# A guest's snapshot count, and what its next boot changes (None: not read yet).
SlowFacts = tuple[int | None, tuple[str, ...] | None]


def _slow_facts(dom: libvirt.virDomain, state: int, persistent: bool) -> SlowFacts:
    """One to three calls: the snapshot count; both definitions of a running persistent guest."""
    try:
        count: int | None = int(dom.snapshotNum(0))
    except libvirt.libvirtError:
        count = None  # gone meanwhile, or a driver without snapshots: shown as unknown
    if not DomainState.of(state).is_active or not persistent:
        return count, ()
    try:
        return count, next_boot_changes(dom.XMLDesc(0), dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE))
    except libvirt.libvirtError:
        return count, None


def _tags_of(dom: libvirt.virDomain) -> tuple[str, ...]:
    try:
        return read_tags(dom)
    except libvirt.libvirtError:
        return ()  # gone meanwhile, or a driver without metadata: no tags shown


def _line_of(d: DomainSnapshot) -> GuestLine:
    return GuestLine(d.os_name, d.ip, d.ip_source, d.agent)


class HostPoller:
    """Turns one connection into snapshots; keeps counters and caches between ticks."""

    def __init__(self, config: HostConfig, facts: HostFacts) -> None:
        self.config = config
        self.facts = facts
        self._counters: dict[str, Counters] = {}
        self._info: dict[str, tuple[int, int]] = {}  # uuid -> (vcpus, memory KiB) from info()
        self._autostart: set[str] = set()
        self._persistent: set[str] = set()
        self._managed_save: set[str] = set()
        self._attributes_stale = True
        self._host_cpu: dict[str, int] | None = None
        # uuid -> (its stats, its snapshot) when that snapshot shows no movement: while the stats
        # stay the same, the same snapshot object goes out again, and the UI can tell by identity.
        self._still: dict[str, tuple[dict[str, Any], DomainSnapshot]] = {}
        # Snapshot counts and next-boot changes cost calls per guest, and libvirt has no event for
        # either (a setMemoryFlags on the config sends none): all are read on the tick after the
        # first (the first paint stays quick), after an action of ours, and at most once a
        # minute; one guest's after an event about it.
        self._slow: dict[str, SlowFacts] = {}
        self._counts_due: float | None = None  # monotonic time of the next full read
        self._counts_stale: set[str] = set()
        self.guest_facts = GuestFactsReader()  # the OS and IP columns
        # Tags cost a call per guest: read when a guest is first seen and after libvirt's
        # metadata-change event or a define about it, never on a schedule.
        self._tags: dict[str, tuple[str, ...]] = {}

    def invalidate(self, uuid: str | None = None) -> None:
        """Attributes (and the info() fallback of ``uuid``, or of all) must be read again."""
        self._attributes_stale = True
        if uuid is None:
            self._info.clear()
            self._still.clear()
            self._counts_due = 0.0 if self._counts_due is not None else None
        else:
            self._info.pop(uuid, None)
            self._still.pop(uuid, None)
            self._counts_stale.add(uuid)
            self._tags.pop(uuid, None)
            self.guest_facts.invalidate(uuid, started=True)

    def _read_attributes(self, conn: libvirt.virConnect) -> None:
        autostart = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_AUTOSTART)
        persistent = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_PERSISTENT)
        managed_save = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_MANAGEDSAVE)
        self._autostart = {dom.UUIDString() for dom in autostart}
        self._persistent = {dom.UUIDString() for dom in persistent}
        self._managed_save = {dom.UUIDString() for dom in managed_save}
        self._attributes_stale = False

    def _host_numbers(self, conn: libvirt.virConnect) -> tuple[float | None, int | None]:
        try:
            cpu_stats = conn.getCPUStats(-1)
            # No real host has 0 bytes free: the test driver says 0 when its node has no NUMA cells.
            free_kib = conn.getFreeMemory() // 1024 or None
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:
                raise
            return None, None
        cpu_pct = host_cpu_percent(self._host_cpu, cpu_stats) if self._host_cpu else None
        self._host_cpu = cpu_stats
        return cpu_pct, free_kib

    def tick(self, conn: libvirt.virConnect) -> HostSnapshot:
        records = conn.getAllDomainStats(STATS_GROUPS, 0)
        now = time.monotonic()
        if self._attributes_stale:
            self._read_attributes(conn)
        cpu_pct, free_kib = self._host_numbers(conn)
        read_counts = self._counts_due is not None and now >= self._counts_due
        if read_counts or self._counts_due is None:
            self._counts_due = now if self._counts_due is None else now + SNAPSHOT_COUNT_SECONDS
        guests_due = self.guest_facts.due(now)
        domains = []
        for dom, stats in records:
            uuid = dom.UUIDString()
            state = int(stats.get("state.state", 0))
            if read_counts or uuid in self._counts_stale:
                self._slow[uuid] = _slow_facts(dom, state, uuid in self._persistent)
            if uuid not in self._tags:
                self._tags[uuid] = _tags_of(dom)
            if self.guest_facts.wanted(uuid, guests_due):
                self.guest_facts.read(dom, uuid, DomainState.of(state).is_active, now)
            snapshot = self._domain(uuid, dom, stats, now)
            if snapshot is not None:
                domains.append(snapshot)
        self._counts_stale.clear()
        seen = {d.uuid for d in domains}
        if not self._counters.keys() <= seen or not self._info.keys() <= seen:  # guests went
            self._slow = {k: v for k, v in self._slow.items() if k in seen}
            self._tags = {k: v for k, v in self._tags.items() if k in seen}
            self.guest_facts.forget(seen)
            self._counters = {k: v for k, v in self._counters.items() if k in seen}
            self._info = {k: v for k, v in self._info.items() if k in seen}
            self._still = {k: v for k, v in self._still.items() if k in seen}
        return HostSnapshot(
            self.config,
            HostStatus.UP,
            domains=tuple(domains),
            facts=self.facts,
            cpu_pct=cpu_pct,
            memory_free_kib=free_kib,
        )

    def _domain(
        self, uuid: str, dom: libvirt.virDomain, stats: dict[str, Any], now: float
    ) -> DomainSnapshot | None:
        still = self._still.get(uuid)
        slow = self._slow.get(uuid, (None, None))
        line = self.guest_facts.lines.get(uuid, GuestLine())
        if (
            still is not None
            and still[0] == stats
            and (still[1].snapshots, still[1].next_boot) == slow
            and _line_of(still[1]) == line
            and still[1].tags == self._tags.get(uuid, ())
        ):
            return still[1]  # its counters keep their time: the next rate spans the whole stillness
        sampled_before = uuid in self._counters  # else no rate could be worked out this tick
        snapshot = self._new_domain(uuid, dom, stats, now)
        if snapshot is not None and sampled_before and _still(snapshot):
            self._still[uuid] = (stats, snapshot)
        else:
            self._still.pop(uuid, None)
        return snapshot

    def _new_domain(
        self, uuid: str, dom: libvirt.virDomain, stats: dict[str, Any], now: float
    ) -> DomainSnapshot | None:
        vcpus = stats.get("vcpu.current")
        memory = stats.get("balloon.current")
        if vcpus is None or memory is None:
            if uuid not in self._info:
                try:
                    info = dom.info()  # [state, max memory KiB, memory KiB, vCPUs, cpu time ns]
                except libvirt.libvirtError as exc:
                    if is_gone(exc):
                        return None
                    raise
                self._info[uuid] = (info[3], info[2] or info[1])
            vcpus, memory = self._info[uuid]
        state = DomainState.of(int(stats.get("state.state", 0)))
        snapshot = DomainSnapshot(
            uuid=uuid,
            host=self.config.name,
            name=dom.name(),
            state=state,
            vcpus=int(vcpus),
            memory_kib=int(memory),
            memory_used_kib=_memory_used(stats),
            autostart=uuid in self._autostart,
            persistent=uuid in self._persistent,
            managed_save=uuid in self._managed_save,
            snapshots=self._slow.get(uuid, (None, None))[0],
            next_boot=self._slow.get(uuid, (None, None))[1],
            tags=self._tags.get(uuid, ()),
            **vars(self.guest_facts.lines.get(uuid, GuestLine())),
        )
        counters = counters_from_stats(stats, now)
        before = self._counters.get(uuid)
        self._counters[uuid] = counters
        if before is None or not state.is_active or counters.cpu_ns is None or before.cpu_ns is None:
            return snapshot
        seconds = counters.at - before.at
        return replace(
            snapshot,
            cpu_pct=cpu_percent(before.cpu_ns, counters.cpu_ns, seconds, snapshot.vcpus),
            cpu_host_pct=cpu_percent(before.cpu_ns, counters.cpu_ns, seconds, self.facts.cpus),
            disk_read_bps=rate(before.disk_read, counters.disk_read, seconds),
            disk_write_bps=rate(before.disk_write, counters.disk_write, seconds),
            net_rx_bps=rate(before.net_rx, counters.net_rx, seconds),
            net_tx_bps=rate(before.net_tx, counters.net_tx, seconds),
        )
