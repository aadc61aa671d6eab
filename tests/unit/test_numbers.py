"""Every parser of a number the admin types, fuzzed: it returns a bounded value or a reason, and
never raises (400 nines once gave float('inf') and an OverflowError that ended the app)."""

from __future__ import annotations

from collections.abc import Callable

import libvirt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuivirt.backend import numbers
from tuivirt.backend.numbers import parse_memory_mib, parse_size_bytes
from tuivirt.backend.ops.editor.guest_config import GuestConfig
from tuivirt.backend.ops.editor.settings import Where, check_cpu_memory
from tuivirt.backend.ops.migrate.job import MigrationControl, migrate_guest
from tuivirt.backend.ops.migrate.options import MAX_BANDWIDTH_MIB, MigrationOptions

# Digits, units, dots, signs, spaces, Unicode digits ("²", "٣") and the odd letter.
TYPED = st.text(alphabet="0123456789.,-+eE KMGTPiBb²٣\u00a0x", max_size=500) | st.from_regex(
    r"\A[0-9]{1,600}(\.[0-9]{0,600})?[KMGTkmgt]?\Z"
)


@given(TYPED)
def test_size_bytes_is_bounded_or_refused(text: str) -> None:
    value = numbers.size_bytes(text)
    assert isinstance(value, numbers.Refused) or 1 <= value <= numbers.MAX_SIZE


@given(TYPED)
def test_count_is_bounded_or_refused(text: str) -> None:
    value = numbers.count(text, 1, 4096)
    assert isinstance(value, numbers.Refused) or 1 <= value <= 4096


@pytest.mark.parametrize("parse", [parse_memory_mib, parse_size_bytes])
@given(text=TYPED)
def test_the_forms_size_parsers_never_raise(parse: Callable[[str], int | None], text: str) -> None:
    value = parse(text)
    assert value is None or 0 <= value <= numbers.MAX_SIZE


CONFIG = GuestConfig(
    uuid="u", name="g", title="", description="", autostart=False, persistent=True, active=True,
    vcpus=1, vcpus_next=1, vcpus_max=2, vcpus_max_now=2, memory_kib=1024**2, memory_next_kib=1024**2,
    memory_max_kib=2 * 1024**2, memory_max_now_kib=2 * 1024**2, boot_order=("hd",), boot_menu=False,
    firmware="BIOS", per_device_boot=False, disks=(), nics=(), inactive_xml="",
)  # fmt: skip


@given(TYPED, TYPED)
def test_the_editors_cpu_and_memory_check_names_a_field_and_never_raises(vcpus: str, memory: str) -> None:
    values = {"vcpus": vcpus, "vcpus_max": vcpus, "memory": memory, "memory_max": memory}
    for where in Where:
        _change, errors = check_cpu_memory(values, CONFIG, where, 8, 16 * 1024 * 1024)
        assert set(errors) <= set(values)


def test_400_nines_is_a_reason_not_a_crash() -> None:
    assert str(numbers.size_bytes("9" * 400)).startswith("a size such as")
    assert str(numbers.size_bytes("9" * 19)) == "at most 1P"
    assert numbers.size_bytes("1.5G") == 3 * 1024**3 // 2
    assert numbers.count("²") == numbers.Refused("a whole number, 1 to 1000000")
    assert parse_memory_mib("9" * 400) is None and parse_size_bytes("1e308") is None


def test_migration_numbers_past_libvirts_range_are_refused() -> None:
    with pytest.raises(ValueError, match="bandwidth"):
        MigrationOptions(bandwidth_mib=10**23)
    with pytest.raises(ValueError, match="downtime"):
        MigrationOptions(max_downtime_ms=-1)
    assert MigrationOptions(bandwidth_mib=MAX_BANDWIDTH_MIB).bandwidth_mib == MAX_BANDWIDTH_MIB


def test_a_migration_whose_mover_fails_outside_libvirt_is_never_reported_done() -> None:
    """The mover once caught only libvirtError: an OverflowError ended its thread and the job said
    "running on the target now". The test driver's own libvirt; the value slipped past the form."""
    conn = libvirt.open("test:///default")
    target = libvirt.open("test:///default")
    options = MigrationOptions()
    object.__setattr__(options, "bandwidth_mib", 10**23)  # as a form without bounds once sent it
    uuid = conn.lookupByName("test").UUIDString()
    with pytest.raises(OverflowError):
        migrate_guest(conn, target, uuid, options, MigrationControl(lambda progress: None), "elsewhere")
    assert conn.lookupByName("test").isActive()  # and it is where it was
