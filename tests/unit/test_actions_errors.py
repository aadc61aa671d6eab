"""Every one-call guest action, when libvirt refuses it, raises libvirt's error, which reads as one
line; a read-only connection is refused by libvirt itself, not only by the UI."""

from __future__ import annotations

from collections.abc import Iterator

import libvirt
import pytest

from tuivirt.backend.live.connection import describe_error, open_connection
from tuivirt.backend.ops.lifecycle.actions import SPECS, Action, run_action
from tuivirt.cli import demo_uri

ONE_CALL = [action for action in Action if action not in (Action.DELETE, Action.SNAPSHOT)]  # with options


@pytest.fixture
def conn() -> Iterator[libvirt.virConnect]:
    conn = libvirt.open(demo_uri())
    yield conn
    conn.close()


@pytest.mark.parametrize("action", ONE_CALL)
def test_a_guest_gone_behind_our_back(conn: libvirt.virConnect, action: Action) -> None:
    dom = conn.lookupByName("backup")
    uuid = dom.UUIDString()
    dom.undefine()
    with pytest.raises(libvirt.libvirtError) as raised:
        run_action(conn, uuid, action)
    message = describe_error(raised.value)
    assert "\n" not in message and "domain not found" in message.lower()


@pytest.mark.parametrize("action", ONE_CALL)
def test_readonly_connection_is_refused_by_libvirt(action: Action) -> None:
    conn = open_connection(demo_uri(), readonly=True)
    try:
        dom = next(d for d in conn.listAllDomains(0) if SPECS[action].states.__contains__(_state(d)))
        with pytest.raises(libvirt.libvirtError) as raised:
            run_action(conn, dom.UUIDString(), action)
        assert "read only access prevents" in describe_error(raised.value)
    finally:
        conn.close()


def _state(dom: libvirt.virDomain) -> object:
    from tuivirt.backend.live.models import DomainState

    return DomainState.of(dom.state(0)[0])
