"""Host health: storage read from libvirt's test driver, and the sums and thresholds on snapshots."""

from collections.abc import Callable, Iterator
from dataclasses import replace

import libvirt
import pytest

from tuivirt.backend.live.models import (
    DomainSnapshot,
    DomainState,
    HostConfig,
    HostFacts,
    HostSnapshot,
    HostStatus,
)
from tuivirt.backend.ops.health.host_health import (
    Level,
    PoolHealth,
    allocated_vcpus,
    cpu_level,
    domains_by_state,
    guest_memory_kib,
    guest_memory_level,
    guest_memory_pct,
    memory_level,
    memory_used_pct,
    pool_health,
    pool_level,
    read_storage,
    vcpu_level,
    vcpu_ratio,
)
from tuivirt.cli import demo_uri

GIB = 1024**3


@pytest.fixture
def demo_conn() -> Iterator[libvirt.virConnect]:
    conn = libvirt.open(demo_uri())  # each open re-parses the node file: changes stay in this test
    yield conn
    conn.close()


def test_read_storage_on_the_demo_node(demo_conn: libvirt.virConnect) -> None:
    storage = read_storage(demo_conn)
    # demo-node.xml: <capacity> 100 GiB, <allocation> 40, <available> 60.
    assert storage.pools == (PoolHealth("demo-pool", True, 100 * GIB, 40 * GIB, 60 * GIB),)
    assert storage.pools[0].used_pct == pytest.approx(40.0)
    assert storage.networks == ("demo-net",)


def test_inactive_networks_and_pools_are_told_apart(demo_conn: libvirt.virConnect) -> None:
    demo_conn.networkLookupByName("demo-net").destroy()
    demo_conn.storagePoolLookupByName("demo-pool").destroy()
    storage = read_storage(demo_conn)
    assert storage.networks == ()
    assert [(p.name, p.active, p.used_pct) for p in storage.pools] == [("demo-pool", False, None)]


def test_a_pool_gone_since_the_listing_is_skipped(demo_conn: libvirt.virConnect) -> None:
    pool = demo_conn.listAllStoragePools(0)[0]
    pool.destroy()
    pool.undefine()
    assert pool_health(pool) is None
    assert read_storage(demo_conn).pools == ()


def _domain(name: str, state: DomainState, vcpus: int, memory_gib: float) -> DomainSnapshot:
    return DomainSnapshot(name, "h", name, state, vcpus, int(memory_gib * 1024 * 1024))


def _host(
    *domains: DomainSnapshot, cpus: int = 4, memory_gib: int = 16, free_gib: float | None = None
) -> HostSnapshot:
    free = None if free_gib is None else int(free_gib * 1024 * 1024)
    facts = HostFacts(cpus=cpus, memory_kib=memory_gib * 1024 * 1024)
    return HostSnapshot(
        HostConfig("h", "test:///h"), HostStatus.UP, domains=domains, facts=facts, memory_free_kib=free
    )


HOST = _host(
    _domain("a", DomainState.RUNNING, 4, 4),
    _domain("b", DomainState.RUNNING, 2, 2),
    _domain("c", DomainState.PAUSED, 2, 8),  # paused guests keep their vCPUs and memory
    _domain("d", DomainState.SHUTOFF, 16, 64),  # shut off ones count for nothing
    _domain("e", DomainState.SHUTOFF, 1, 1),
    _domain("f", DomainState.CRASHED, 1, 1),
    free_gib=4,
)


def test_overcommit_counts_active_guests_only() -> None:
    assert allocated_vcpus(HOST) == 8
    assert vcpu_ratio(HOST) == pytest.approx(2.0)
    assert guest_memory_kib(HOST) == 14 * 1024 * 1024
    assert guest_memory_pct(HOST) == pytest.approx(87.5)
    assert memory_used_pct(HOST) == pytest.approx(75.0)


def test_unknown_host_figures_give_none_not_a_division_by_zero() -> None:
    host = _host(_domain("a", DomainState.RUNNING, 2, 1), cpus=0, memory_gib=0)
    assert vcpu_ratio(host) is None
    assert guest_memory_pct(host) is None
    assert memory_used_pct(host) is None
    assert memory_used_pct(_host()) is None  # free memory not reported (first tick, some drivers)


def test_domains_by_state_in_a_stable_order() -> None:
    assert list(domains_by_state(HOST).items()) == [
        ("running", 2),
        ("paused", 1),
        ("shut off", 2),
        ("crashed", 1),
    ]
    assert domains_by_state(_host()) == {}


@pytest.mark.parametrize(
    ("grade", "ok", "warn", "critical"),
    [
        (cpu_level, 75.0, 75.1, 90.1),
        (memory_level, 80.0, 80.1, 90.1),
        (vcpu_level, 2.0, 2.1, 4.1),
        (guest_memory_level, 90.0, 90.1, 100.1),
        (pool_level, 80.0, 80.1, 90.1),
    ],
)
def test_levels_start_above_their_limits(
    grade: Callable[[float | None], Level], ok: float, warn: float, critical: float
) -> None:
    assert grade(None) is Level.OK
    assert grade(0.0) is Level.OK
    assert grade(ok) is Level.OK
    assert grade(warn) is Level.WARN
    assert grade(critical) is Level.CRITICAL


def test_levels_of_the_example_host() -> None:
    assert vcpu_level(vcpu_ratio(HOST)) is Level.OK  # exactly 2:1 is usual
    assert guest_memory_level(guest_memory_pct(HOST)) is Level.OK
    big = _host(*HOST.domains, _domain("g", DomainState.RUNNING, 10, 4), free_gib=1)
    assert vcpu_level(vcpu_ratio(big)) is Level.CRITICAL  # 18 on 4
    assert guest_memory_level(guest_memory_pct(big)) is Level.CRITICAL  # 18 GiB of 16
    assert memory_level(memory_used_pct(big)) is Level.CRITICAL  # 15 of 16 GiB used


def test_overcommit_is_unknown_until_every_active_guest_is_read() -> None:
    """(The test driver's vCPUs come guest by guest after the first poll: a partial sum would say
    the host is less loaded than it is.)"""
    unread = replace(
        HOST, domains=(*HOST.domains, replace(HOST.domains[0], uuid="x", vcpus=None, memory_kib=None))
    )
    assert allocated_vcpus(unread) is None and vcpu_ratio(unread) is None
    assert guest_memory_kib(unread) is None and guest_memory_pct(unread) is None
