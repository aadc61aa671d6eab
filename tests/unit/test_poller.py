"""The poller against libvirt's test driver (real libvirt, in-process)."""

from collections.abc import Iterator

import libvirt
import pytest

from tuivirt.backend.live.guest_reads import Read
from tuivirt.backend.live.models import DomainState, HostConfig, HostSnapshot, HostStatus
from tuivirt.backend.live.poller import HostPoller, read_facts
from tuivirt.cli import demo_uri


def session_tick(poller: HostPoller, conn: libvirt.virConnect) -> HostSnapshot:
    """As a session does: the poll, then the per-guest reads that are due, then what they brought."""
    snapshot = poller.tick(conn)
    poller.read_all(conn)
    return poller.rebuild(snapshot)


@pytest.fixture
def demo_conn() -> Iterator[libvirt.virConnect]:
    conn = libvirt.open(demo_uri())
    yield conn
    conn.close()


def test_demo_host_lists_every_guest_with_its_state(demo_conn: libvirt.virConnect) -> None:
    poller = HostPoller(HostConfig("demo", demo_uri()), read_facts(demo_conn))
    first = poller.tick(demo_conn)
    assert all(d.vcpus is None for d in first.domains)  # the test driver's bulk call lacks them
    snapshot = session_tick(poller, demo_conn)
    expected = {dom.name(): dom.info()[0] for dom in demo_conn.listAllDomains()}
    by_name = {d.name: d for d in snapshot.domains}
    assert snapshot.status is HostStatus.UP
    assert {name: int(d.state) for name, d in by_name.items()} == expected
    assert {d.state for d in snapshot.domains} >= {
        DomainState.RUNNING,
        DomainState.PAUSED,
        DomainState.SHUTOFF,
    }
    assert by_name["db-primary"].vcpus == 4
    assert by_name["db-primary"].memory_kib == 8 * 1024 * 1024
    assert len({d.uuid for d in snapshot.domains}) == len(expected)


def test_host_facts(demo_conn: libvirt.virConnect) -> None:
    facts = read_facts(demo_conn)
    assert facts.cpu_model == "Intel Xeon E5-2680 v4"
    assert facts.cpus == 28
    assert facts.memory_kib == 128 * 1024 * 1024
    assert facts.hypervisor.startswith("TEST ")
    assert facts.libvirt_version.count(".") == 2


def test_attributes_are_read_in_bulk_and_refreshed_on_invalidate(demo_conn: libvirt.virConnect) -> None:
    poller = HostPoller(HostConfig("demo", demo_uri()), read_facts(demo_conn))
    assert not any(d.autostart for d in poller.tick(demo_conn).domains)
    demo_conn.lookupByName("web-01").setAutostart(1)
    # Not read again on every tick: only after an event (or our own action) marks it stale.
    assert not any(d.autostart for d in poller.tick(demo_conn).domains)
    poller.invalidate()
    assert [d.name for d in poller.tick(demo_conn).domains if d.autostart] == ["web-01"]
    assert all(d.persistent for d in poller.tick(demo_conn).domains)


def test_undefined_guest_drops_out_quietly(demo_conn: libvirt.virConnect) -> None:
    poller = HostPoller(HostConfig("demo", demo_uri()), read_facts(demo_conn))
    before = poller.tick(demo_conn)
    demo_conn.lookupByName("backup").undefine()
    after = poller.tick(demo_conn)
    assert {d.name for d in before.domains} - {d.name for d in after.domains} == {"backup"}


def test_a_guest_that_did_not_move_is_sent_as_the_same_snapshot(demo_conn: libvirt.virConnect) -> None:
    """Equal stats twice in a row, no rate moving: the very same object, which the UI skips by
    identity; a change of state, or an invalidation, makes a new one."""
    poller = HostPoller(HostConfig("demo", demo_uri()), read_facts(demo_conn))
    first, second, third = (poller.tick(demo_conn) for _ in range(3))
    assert not any(a is b for a, b in zip(first.domains, second.domains, strict=True))  # no sample before
    assert all(b is c for b, c in zip(second.domains, third.domains, strict=True))
    demo_conn.lookupByName("web-01").suspend()
    fourth = poller.tick(demo_conn)
    changed = [d.name for c, d in zip(third.domains, fourth.domains, strict=True) if c is not d]
    assert changed == ["web-01"]
    assert next(d for d in fourth.domains if d.name == "web-01").state is DomainState.PAUSED
    poller.invalidate(next(d.uuid for d in fourth.domains if d.name == "db-primary"))
    fifth = poller.tick(demo_conn)
    assert [d.name for c, d in zip(fourth.domains, fifth.domains, strict=True) if c is not d] == [
        "db-primary"
    ]


def test_snapshot_counts_come_after_the_poll_and_again_only_when_due(demo_conn: libvirt.virConnect) -> None:
    poller = HostPoller(HostConfig("demo", demo_uri()), read_facts(demo_conn))

    def count(name: str) -> int | None:
        return next(d.snapshots for d in session_tick(poller, demo_conn).domains if d.name == name)

    web = demo_conn.lookupByName("web-01")
    assert next(d.snapshots for d in poller.tick(demo_conn).domains if d.name == "web-01") is None
    assert count("web-01") == 0  # read after the first poll (the first paint does not wait)
    web.snapshotCreateXML("<domainsnapshot><name>a</name></domainsnapshot>", 0)
    assert count("web-01") == 0  # not every tick: libvirt has no snapshot event
    poller.invalidate(web.UUIDString())  # an event about this guest
    assert count("web-01") == 1
    web.snapshotCreateXML("<domainsnapshot><name>b</name></domainsnapshot>", 0)
    poller.invalidate()  # an action of ours on the host: the guests on screen (here: all)
    assert count("web-01") == 2


def test_tags_are_read_once_and_again_after_an_event(demo_conn: libvirt.virConnect) -> None:
    from tuivirt.backend.ops.tags.tags import write_tags

    poller = HostPoller(HostConfig("demo", demo_uri()), read_facts(demo_conn))
    web = demo_conn.lookupByName("web-01").UUIDString()
    assert not any(d.tags for d in session_tick(poller, demo_conn).domains)
    write_tags(demo_conn, web, ["web", "prod"])
    assert not any(d.tags for d in session_tick(poller, demo_conn).domains)  # not read on a schedule
    poller.invalidate(web)  # as the metadata-change event does
    tagged = {d.name: d.tags for d in session_tick(poller, demo_conn).domains if d.tags}
    assert tagged == {"web-01": ("web", "prod")}


def test_per_guest_reads_go_to_guests_on_screen_first_and_an_idle_tick_is_the_poll(
    demo_conn: libvirt.virConnect,
) -> None:
    """Off screen a guest gets its tags and vCPUs (for the filter, the groups and the totals), never
    its snapshot count, next boot or address; once read, nothing is due until an event."""
    poller = HostPoller(HostConfig("demo", demo_uri()), read_facts(demo_conn))
    uuids = {d.name: d.uuid for d in poller.tick(demo_conn).domains}
    shown = {uuids["web-01"], uuids["backup"]}
    poller.reads.visible = frozenset(shown)
    due = poller.due_reads()
    on_screen = [(u, r) for u, r in due if u in shown]
    assert due[: len(on_screen) + 1] == [("", None), *on_screen]  # (the leases, then what shows)
    assert {r for u, r in due if u not in shown and u} == {Read.INFO, Read.TAGS}
    snapshot = session_tick(poller, demo_conn)
    by_name = {d.name: d for d in snapshot.domains}
    assert by_name["web-01"].snapshots == 0 and by_name["db-primary"].snapshots is None
    assert all(d.vcpus is not None for d in snapshot.domains)
    assert poller.due_reads() == []  # idle: a tick is the poll's four calls
    poller.invalidate(uuids["db-primary"])  # an event about a guest off screen
    assert {r for _u, r in poller.due_reads()} == {Read.INFO, Read.TAGS}
