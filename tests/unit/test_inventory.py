"""Reading guests from libvirt's test driver (real libvirt, in-process)."""

import libvirt

from tuivirt.backend.inventory import read_domains
from tuivirt.backend.models import DomainState
from tuivirt.cli import demo_uri


def test_demo_host_lists_every_guest_with_its_state() -> None:
    conn = libvirt.open(demo_uri())
    try:
        domains = read_domains(conn, "demo")
        by_name = {d.name: d for d in domains}
        expected = {dom.name(): dom.info()[0] for dom in conn.listAllDomains()}
    finally:
        conn.close()
    assert len(domains) == len(expected) >= 10
    assert {name: int(d.state) for name, d in by_name.items()} == expected
    assert {d.state for d in domains} >= {DomainState.RUNNING, DomainState.PAUSED, DomainState.SHUTOFF}
    assert by_name["db-primary"].vcpus == 4
    assert by_name["db-primary"].memory_kib == 8 * 1024 * 1024
    assert [d.name for d in domains] == sorted(by_name)


def test_uuids_are_unique_keys() -> None:
    conn = libvirt.open(demo_uri())
    try:
        domains = read_domains(conn, "demo")
    finally:
        conn.close()
    assert len({d.uuid for d in domains}) == len(domains)
