"""`C`: clone a guest on the test driver, driven by keys: full and linked, the checks of the form,
the refusal for a running or paused guest, and the guest read again at submit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import libvirt
from textual.pilot import Pilot
from textual.widgets import Select

from tests.app.helpers import key_of
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.ops.clone.clone_source import CloneMode
from tuivirt.cli import demo_uri
from tuivirt.ui.clone.clone_form import CloneFormScreen

DEMO = HostConfig("demo", demo_uri())


def on_host(app: TuivirtApp, work: Any) -> Any:
    return app.fleet.session(DEMO.uri).call(work, changes=False)


def definition(app: TuivirtApp, guest: str) -> ET.Element:
    return ET.fromstring(on_host(app, lambda conn: conn.lookupByName(guest).XMLDesc(0)))


def notes(app: TuivirtApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


async def press_clone(pilot: Pilot[Any], app: TuivirtApp, guest: str) -> None:
    await wait_until(pilot, lambda: key_of(app.main.table, guest) is not None)
    assert app.main.table.select_key(key_of(app.main.table, guest) or "")
    await pilot.press("C")


async def test_full_clone_gets_new_identity_and_its_own_disk() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        await press_clone(pilot, app, "build-runner")
        await wait_until(pilot, lambda: isinstance(app.screen, CloneFormScreen))
        form = app.screen
        note = str(form.query_one("#clone-disks").render())
        assert "vda  build-runner.qcow2: copied into demo-pool (2.0 GiB)" in note
        assert "demo-pool: 2.0 GiB needed, 60.0 GiB free" in str(form.query_one("#pool-why").render())
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: key_of(app.main.table, "build-runner-clone") is not None)
        await wait_until(pilot, lambda: "cloned as build-runner-clone" in notes(app))

        source, clone = definition(app, "build-runner"), definition(app, "build-runner-clone")
        assert clone.findtext("uuid") != source.findtext("uuid")
        macs = [m.get("address") for xml in (source, clone) for m in xml.iterfind("devices/interface/mac")]
        assert len(macs) == 2 and macs[0] != macs[1]
        source_el = clone.find("devices/disk/source")
        assert source_el is not None
        assert source_el.get("file") == "/var/lib/libvirt/images/demo/build-runner-clone.qcow2"
        volumes = on_host(app, lambda conn: conn.storagePoolLookupByName("demo-pool").listVolumes())
        assert "build-runner-clone.qcow2" in volumes and "build-runner.qcow2" in volumes
        logged = next(e for e in app.fleet.events.newest_first() if e.kind == "action")
        assert (logged.guest, logged.text) == (
            "build-runner",
            "Clone build-runner as build-runner-clone: done",
        )


async def test_linked_clone_is_an_overlay_of_the_source() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        await press_clone(pilot, app, "backup")
        await wait_until(pilot, lambda: isinstance(app.screen, CloneFormScreen))
        form = app.screen
        await pilot.press("ctrl+u", *"web-01")
        assert "a guest of that name" in str(form.query_one("#name-why").render())
        await pilot.press("ctrl+u", *"bad/name")
        assert "letters, digits" in str(form.query_one("#name-why").render())
        await pilot.press("ctrl+u", *"backup-linked")
        form.query_one("#mode", Select).value = CloneMode.LINKED.value
        await pilot.pause()
        assert "overlaid, the source stays as it is" in str(form.query_one("#clone-disks").render())
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: key_of(app.main.table, "backup-linked") is not None)

        def overlay(conn: libvirt.virConnect) -> ET.Element:
            pool = conn.storagePoolLookupByName("demo-pool")
            return ET.fromstring(pool.storageVolLookupByName("backup-linked.qcow2").XMLDesc(0))

        volume = on_host(app, overlay)
        assert volume.find("target/format").get("type") == "qcow2"
        assert volume.findtext("backingStore/path") == "/var/lib/libvirt/images/demo/backup.qcow2"
        disk = definition(app, "backup-linked").find("devices/disk/driver")
        assert disk is not None and disk.get("type") == "qcow2"


async def test_a_running_guest_is_not_cloned_and_says_why() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        await press_clone(pilot, app, "web-01")
        await wait_until(pilot, lambda: "Clone web-01: it is running: shut it down first" in notes(app))
        assert not isinstance(app.screen, CloneFormScreen)


async def test_a_paused_guest_is_refused_up_front() -> None:
    """QEMU keeps a paused guest's disks locked: every clone of one failed after the form."""
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        await press_clone(pilot, app, "web-03")
        await wait_until(pilot, lambda: "Clone web-03: it is paused: shut it down first" in notes(app))
        assert not isinstance(app.screen, CloneFormScreen)


async def test_the_guest_is_read_again_at_submit() -> None:
    """Started outside after the form opened: refused then, and nothing made."""
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        await press_clone(pilot, app, "ci-worker-02")
        await wait_until(pilot, lambda: isinstance(app.screen, CloneFormScreen))
        on_host(app, lambda conn: conn.lookupByName("ci-worker-02").create())  # as virsh start would
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "it is running: shut it down first" in notes(app))
        assert "nothing was made" in notes(app)
        assert key_of(app.main.table, "ci-worker-02-clone") is None
        volumes = on_host(app, lambda conn: conn.storagePoolLookupByName("demo-pool").listVolumes())
        assert "ci-worker-02-clone.qcow2" not in volumes
