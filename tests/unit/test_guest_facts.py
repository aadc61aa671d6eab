"""The OS and IP columns' reads on the test driver (libvirt's own: leases yes, agents no), and the
agent's guestInfo turned into facts."""

from __future__ import annotations

import time

import libvirt

from tuivirt.backend.live.guest_agent import NOT_SUPPORTED, parse_guest_info
from tuivirt.backend.live.guest_facts import GUEST_FACTS_SECONDS
from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.live.poller import HostPoller, read_facts
from tuivirt.cli import demo_uri

# What the test guest's agent answered to guestInfo (qemu-guest-agent 7.2), with a file system.
GUEST_INFO = {
    "user.count": 1,
    "user.0.name": "root",
    "os.id": "tuivirt",
    "os.name": "tuivirt test guest",
    "os.pretty-name": "tuivirt test guest 1",
    "os.kernel-release": "6.1.0-57-cloud-amd64",
    "timezone.name": "UTC",
    "timezone.offset": 3600,
    "hostname": "tuivirt-guest",
    "fs.count": 1,
    "fs.0.mountpoint": "/mnt/data",
    "fs.0.fstype": "ext2",
    "fs.0.total-bytes": 15_000_000,
    "fs.0.used-bytes": 20_000,
}


def test_guest_info_becomes_facts() -> None:
    facts = parse_guest_info(GUEST_INFO)
    assert facts.os == "tuivirt test guest 1" and facts.kernel == "6.1.0-57-cloud-amd64"
    assert facts.hostname == "tuivirt-guest" and facts.users == ("root",)
    assert facts.timezone == "UTC (UTC+1)"
    (fs,) = facts.filesystems
    assert (fs.mountpoint, fs.type, fs.used, fs.total) == ("/mnt/data", "ext2", 20_000, 15_000_000)


def test_ip_column_for_guests_on_screen_after_the_poll_then_less_often_while_it_stays() -> None:
    conn = libvirt.open(demo_uri())
    poller = HostPoller(HostConfig("demo", demo_uri()), read_facts(conn))
    first = {d.name: d for d in poller.tick(conn).domains}
    assert first["web-01"].ip is None  # the poll reads no guest: the first paint stays quick
    poller.reads.visible = frozenset({first["web-01"].uuid, first["backup"].uuid})
    due = poller.due_reads()
    assert due[0] == ("", None)  # the host's DHCP leases first: one call per network for all guests
    poller.read_all(conn)
    second = {d.name: d for d in poller.tick(conn).domains}
    web = second["web-01"]
    # (The test driver's networks have no leases, and it answers ARP for its guests. On the real
    # daemon the address comes from dnsmasq's leases: tests/integration/test_guest_agent.py.)
    assert (web.ip, web.ip_source, web.agent) == ("192.168.150.3", "ARP", NOT_SUPPORTED)
    assert second["backup"].ip is None  # shut off: nothing read
    assert second["web-02"].state.is_active and second["web-02"].ip is None  # off screen: not read
    assert poller.guest_facts.due(time.monotonic()) == set()  # the next read is 30 s away
    assert not poller.guest_facts.leases_due(time.monotonic())
    assert GUEST_FACTS_SECONDS == 30.0
    # Nothing changed at the next read: the one after waits twice as long (an event resets it).
    later = time.monotonic() + GUEST_FACTS_SECONDS
    assert web.uuid in poller.guest_facts.due(later)
    macs = poller.reads.slow[web.uuid].macs
    poller.guest_facts.read(conn.lookupByUUIDString(web.uuid), web.uuid, True, macs, later)
    assert web.uuid not in poller.guest_facts.due(later + GUEST_FACTS_SECONDS)
    assert web.uuid in poller.guest_facts.due(later + 2 * GUEST_FACTS_SECONDS)
