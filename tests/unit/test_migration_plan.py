"""The migration's pure parts: refusals, the evacuation plan, flags and parameters, progress."""

from __future__ import annotations

from dataclasses import replace

import libvirt

from tuivirt.backend.ops.migrate.checks import GuestNeeds, HostOffer, refusal, refusal_for_all
from tuivirt.backend.ops.migrate.evacuate import plan_evacuation
from tuivirt.backend.ops.migrate.job import MigrationProgress, progress_of
from tuivirt.backend.ops.migrate.options import MigrationOptions, flags, migration_address, parameters
from tuivirt.ui.migrate.migration_progress import figures

GIB = 1024 * 1024  # KiB


def guest(name: str, gib: int, running: bool = True) -> GuestNeeds:
    return GuestNeeds(
        uuid=f"uuid-{name}",
        name=name,
        host_uri="qemu+ssh://a/system",
        host_uuid="host-a",
        hypervisor="QEMU",
        running=running,
        persistent=True,
        memory_kib=gib * GIB,
        cpu_xml="",
        arch="x86_64",
        machine="pc",
        virt_type="kvm",
        networks=("default",),
        pools=(),
        disk_dirs=("/var/lib/libvirt/images",),
    )


def host(uri: str, free_gib: int, **changes: object) -> HostOffer:
    offer = HostOffer(
        uri=uri,
        host_uuid=f"uuid-of-{uri}",
        hypervisor="QEMU",
        free_memory_kib=free_gib * GIB,
        networks=frozenset({"default"}),
        pools=frozenset(),
        pool_dirs=frozenset({"/var/lib/libvirt/images"}),
        guests={},
        cpu_refusals={},
    )
    return replace(offer, **changes)  # type: ignore[arg-type]


def test_refusals_name_the_first_reason() -> None:
    web = guest("web", 2)
    options = MigrationOptions()
    assert refusal(web, host("b", 8), options) == ""
    assert refusal(web, host("b", 8, host_uuid="host-a"), options) == "it is the same host"
    assert refusal(web, host("b", 8, hypervisor="LXC"), options) == "a LXC host, not QEMU"
    assert refusal(web, host("b", 8, guests={"web": "other"}), options).startswith("a guest named web")
    assert refusal(web, host("b", 8, cpu_refusals={"uuid-web": "no"}), options) == "no"
    assert refusal(web, host("b", 1), options) == "needs 2.0 GiB, 1.0 GiB free"
    assert refusal(guest("off", 64, running=False), host("b", 1), options) == ""  # offline: no memory
    assert refusal(web, host("b", 8, networks=frozenset()), options) == "no network default there"
    copying = replace(options, copy_storage=True)
    assert "no pool at /var/lib/libvirt/images" in refusal(web, host("b", 8, pool_dirs=frozenset()), copying)


def test_a_host_must_take_all_marked_guests_together() -> None:
    both = [guest("a", 3), guest("b", 3)]
    assert refusal_for_all(both, host("c", 8), MigrationOptions()) == ""
    assert refusal_for_all(both, host("c", 5), MigrationOptions()) == "b: needs 3.0 GiB, 2.0 GiB free"


def test_evacuation_places_the_largest_first_where_most_memory_is_free() -> None:
    guests = [guest("small", 1), guest("big", 6), guest("mid", 3), guest("huge", 20)]
    plan = plan_evacuation(guests, [host("b", 8), host("c", 5)], MigrationOptions(), {"b": "B", "c": "C"})
    placed = {p.guest.name: p.target_uri for p in plan}
    assert [p.guest.name for p in plan] == ["huge", "big", "mid", "small"]
    assert placed == {"huge": "", "big": "b", "mid": "c", "small": "b"}  # b: 8-6=2 free, c: 5-3=2
    assert plan[0].why_not == "B: needs 20.0 GiB, 8.0 GiB free; C: needs 20.0 GiB, 5.0 GiB free"
    alone = plan_evacuation([guest("x", 1)], [], MigrationOptions(), {})
    assert alone[0].why_not == "no other host is connected"


def test_a_guest_with_snapshots_is_not_promised_a_move() -> None:
    """libvirt refused what the evacuation plan promised: "cannot migrate domain with 1 snapshots"."""
    with_one = replace(guest("snappy", 1), snapshots=1)
    plan = plan_evacuation([with_one], [host("b", 8)], MigrationOptions(), {"b": "B"})
    assert plan[0].target_uri == "" and "1 snapshot(s): libvirt does not migrate" in plan[0].why_not
    assert (
        refusal(replace(with_one, hypervisor="Test"), host("b", 8, hypervisor="Test"), MigrationOptions())
        == ""
    )


def test_flags_and_parameters_follow_the_options_and_the_state() -> None:
    options = MigrationOptions(bandwidth_mib=5, address="10.0.0.2", copy_storage=True)
    live = flags(options, running=True)
    assert live & libvirt.VIR_MIGRATE_LIVE and live & libvirt.VIR_MIGRATE_NON_SHARED_DISK
    assert not live & libvirt.VIR_MIGRATE_OFFLINE
    offline = flags(replace(options, persistent=False), running=False)
    assert offline & libvirt.VIR_MIGRATE_OFFLINE and offline & libvirt.VIR_MIGRATE_PERSIST_DEST
    assert not offline & (libvirt.VIR_MIGRATE_LIVE | libvirt.VIR_MIGRATE_NON_SHARED_DISK)
    assert parameters(options, running=True) == {
        libvirt.VIR_MIGRATE_PARAM_URI: "tcp://10.0.0.2",
        libvirt.VIR_MIGRATE_PARAM_BANDWIDTH: 5,
    }
    assert parameters(options, running=False) == {}


def test_the_address_is_the_target_name_or_the_way_to_the_source() -> None:
    assert migration_address("qemu:///system", "qemu+ssh://root@rack2/system") == "rack2"
    assert migration_address("qemu+tcp://127.0.0.1/system", "qemu:///system") == "127.0.0.1"
    assert migration_address("qemu:///system", "qemu:///system") == ""


def test_progress_only_while_a_job_runs() -> None:
    assert progress_of({"type": libvirt.VIR_DOMAIN_JOB_NONE}, postcopy=False) is None
    stats = {
        "type": libvirt.VIR_DOMAIN_JOB_UNBOUNDED,
        "data_processed": 10,
        "data_total": 100,
        "data_remaining": 90,
        "memory_bps": 5,
        "memory_dirty_rate": 7,
        "memory_iteration": 2,
    }
    progress = progress_of(stats, postcopy=True)
    assert progress is not None and (progress.processed, progress.total, progress.rate) == (10, 100, 5)
    assert (progress.dirty_rate, progress.iterations, progress.left_ms) == (7, 2, None)
    assert progress.postcopy


def test_the_progress_line_says_what_is_left() -> None:
    mib = 1024 * 1024
    progress = MigrationProgress(40 * mib, 512 * mib, 472 * mib, 30 * mib, 1200, 2, None, postcopy=False)
    assert figures(progress) == (
        "40 MiB of 512 MiB, 472 MiB to go · 30 MiB/s · 1200 dirty pages/s · pass 2 · 16 s left"
    )
    assert figures(replace(progress, left_ms=3000, postcopy=True)).endswith("· 3 s left · post-copy")
