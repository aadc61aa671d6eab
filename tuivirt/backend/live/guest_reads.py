"""Per-guest reads: what the bulk stats call does not carry and costs a call or three per guest, so
never read for every guest on every tick (a remote host at 50 ms round trip pays each call).

- ``INFO``: vCPUs and memory, only where the bulk stats lack them (the test driver): once per guest,
  again after an event about it;
- ``TAGS``: the guest's tags (its metadata): once per guest, again after a define or a metadata event;
- ``SLOW``: the snapshot count, the NICs' MACs and what the next boot changes (the live and the
  inactive definitions of a running guest): for guests on screen, after an event about the guest
  or an action of ours, and every SLOW_SECONDS (libvirt has no event for a config-only change);
- ``FACTS``: the OS, the agent and the address (guest_facts.py): for running guests on screen.

The session runs them between ticks, one at a time and each taking its turn on the connection (an
action waits for one read, not for all of them), within a share of the refresh interval: what is on
screen and what an event made stale first, then the rest (tags and vCPUs of guests off screen, for
the filter, the groups and the host's totals).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

import libvirt

from tuivirt.backend.live.connection import Turns
from tuivirt.backend.live.domain_xml import nic_macs
from tuivirt.backend.live.models import DomainState
from tuivirt.backend.live.next_boot import next_boot_changes
from tuivirt.backend.live.tags import read_tags

SLOW_SECONDS = 300.0


class Read(Enum):
    INFO = "info"
    TAGS = "tags"
    SLOW = "slow"
    FACTS = "facts"


ON_SCREEN_ONLY = (Read.SLOW, Read.FACTS)  # what no column off screen needs


@dataclass(frozen=True)
class SlowFacts:
    snapshots: int | None = None  # None: not read yet, or a driver without snapshots
    next_boot: tuple[str, ...] | None = None
    macs: tuple[str, ...] = ()  # the running guest's NICs (to find its DHCP lease)


def read_info(dom: libvirt.virDomain) -> tuple[int, int]:
    """(vCPUs, memory KiB): one call (the test driver's bulk stats carry neither)."""
    info = dom.info()  # [state, max memory KiB, memory KiB, vCPUs, cpu time ns]
    return int(info[3]), int(info[2] or info[1])


def read_tags_of(dom: libvirt.virDomain) -> tuple[str, ...]:
    try:
        return read_tags(dom)
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            raise
        return ()  # a driver without metadata: no tags shown


def read_slow(dom: libvirt.virDomain, state: DomainState, persistent: bool, turns: Turns) -> SlowFacts:
    """One to three calls, each its own turn: the snapshot count; a running guest's live definition
    (its MACs), and the inactive one too when it is persistent (what the next boot changes)."""
    try:
        with turns.use():
            count: int | None = int(dom.snapshotNum(0))
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN:
            raise
        count = None  # a driver without snapshots: shown as unknown
    if not state.is_active:
        return SlowFacts(count, ())
    with turns.use():
        live = dom.XMLDesc(0)
    if not persistent:
        return SlowFacts(count, (), nic_macs(live))
    with turns.use():
        inactive = dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    return SlowFacts(count, next_boot_changes(live, inactive), nic_macs(live))


@dataclass
class GuestReads:
    """What was read of each guest, what is wanted again, and in which order."""

    info: dict[str, tuple[int, int]] = field(default_factory=dict)
    tags: dict[str, tuple[str, ...]] = field(default_factory=dict)
    slow: dict[str, SlowFacts] = field(default_factory=dict)
    # Guests on screen (set by the UI from any thread: replaced whole, never changed in place);
    # None: every guest counts as on screen (`tuivirt list`, a script).
    visible: frozenset[str] | None = None
    _wanted: dict[str, set[Read]] = field(default_factory=dict)  # never read, or stale
    _slow_at: dict[str, float] = field(default_factory=dict)

    def seen(self, uuid: str, needs_info: bool) -> None:
        """A guest of this tick: one seen for the first time wants everything."""
        if uuid not in self.tags and uuid not in self._wanted:
            self._wanted[uuid] = {Read.TAGS, Read.SLOW, Read.FACTS} | ({Read.INFO} if needs_info else set())
        elif needs_info and uuid not in self.info:
            self._wanted.setdefault(uuid, set()).add(Read.INFO)

    def invalidate(self, uuid: str) -> None:
        """An event about the guest, or an action of ours: read it again."""
        wanted = self._wanted.setdefault(uuid, set())
        wanted |= {Read.TAGS, Read.SLOW, Read.FACTS}
        if uuid in self.info:
            wanted.add(Read.INFO)

    def invalidate_on_screen(self) -> None:
        """A change on the host we cannot pin to a guest: what is on screen is read again."""
        for uuid in self.visible if self.visible is not None else list(self.tags):
            self._wanted.setdefault(uuid, set()).update(ON_SCREEN_ONLY)

    def due(
        self, known: set[str], running: set[str], facts_due: set[str], now: float
    ) -> list[tuple[str, Read]]:
        """The reads to make, most wanted first: guests on screen (stale or new), then the tags and
        vCPUs of the others, then what on screen has aged. ``facts_due``: the running guests whose
        OS and address are due (guest_facts)."""
        visible = self.visible if self.visible is not None else known
        first: list[tuple[str, Read]] = []
        later: list[tuple[str, Read]] = []
        for uuid, wanted in self._wanted.items():
            if uuid not in known:
                continue
            on_screen = uuid in visible
            for read in sorted(wanted, key=lambda r: list(Read).index(r)):
                if on_screen:
                    first.append((uuid, read))
                elif read not in ON_SCREEN_ONLY:
                    later.append((uuid, read))
        aged = [
            (uuid, Read.SLOW)
            for uuid in visible & known
            if Read.SLOW not in self._wanted.get(uuid, ())
            and self._slow_at.get(uuid, now) + SLOW_SECONDS <= now
        ]
        facts = [
            (uuid, Read.FACTS)
            for uuid in visible & running & facts_due
            if Read.FACTS not in self._wanted.get(uuid, ())
        ]
        return first + later + aged + facts

    def done(self, uuid: str, read: Read, now: float) -> None:
        wanted = self._wanted.get(uuid)
        if wanted is not None:
            wanted.discard(read)
            if not wanted:
                del self._wanted[uuid]
        if read is Read.SLOW:
            self._slow_at[uuid] = now

    def forget(self, seen: set[str]) -> None:
        """Guests that went: their reads go with them."""
        for cache in (self.info, self.tags, self.slow, self._wanted, self._slow_at):
            for uuid in [u for u in cache if u not in seen]:
                del cache[uuid]
