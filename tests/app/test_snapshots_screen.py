"""`t`: a guest's snapshots on the test driver, driven by keys as a user would."""

from __future__ import annotations

from pathlib import Path

import libvirt
from textual.widgets import DataTable

from tests.app.helpers import demo_copy, domain, key_of
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig, HostStatus
from tuivirt.cli import demo_uri
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.snapshots.screen import SnapshotsScreen
from tuivirt.ui.snapshots.snapshot_form import SnapshotFormScreen

DEMO = HostConfig("demo", demo_uri())


def names(app: TuivirtApp) -> list[str]:
    table = app.screen.query_one("#snapshot-list", DataTable)
    return [str(table.get_row_at(i)[0]).strip().removeprefix("└ ") for i in range(table.row_count)]


def libvirt_snapshots(app: TuivirtApp, guest: str) -> list[str]:
    def read(conn: libvirt.virConnect) -> list[str]:
        return sorted(s.getName() for s in conn.lookupByName(guest).listAllSnapshots(0))

    return app.fleet.session(DEMO.uri).call(read, changes=False)


async def open_snapshots(pilot: object, app: TuivirtApp, guest: str) -> SnapshotsScreen:
    def up() -> bool:
        snapshot = app.fleet.snapshots.get(DEMO.uri)
        return snapshot is not None and snapshot.status is HostStatus.UP

    await wait_until(pilot, up)  # type: ignore[arg-type]
    await wait_until(pilot, lambda: key_of(app.main.table, guest) is not None)  # type: ignore[arg-type]
    assert app.main.table.select_key(key_of(app.main.table, guest) or "")
    await pilot.press("t")  # type: ignore[attr-defined]
    await wait_until(pilot, lambda: isinstance(app.screen, SnapshotsScreen))  # type: ignore[arg-type]
    screen = app.screen
    assert isinstance(screen, SnapshotsScreen)
    return screen


async def test_take_revert_and_delete_by_keys() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        await open_snapshots(pilot, app, "web-01")
        await wait_until(
            pilot, lambda: "No snapshots yet" in str(app.screen.query_one("#snapshots-status").render())
        )

        await pilot.press("c")  # the default name (snap-DATE-TIME) as offered
        await wait_until(pilot, lambda: isinstance(app.screen, SnapshotFormScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(libvirt_snapshots(app, "web-01")) == 1)
        first = libvirt_snapshots(app, "web-01")[0]
        assert first.startswith("snap-")

        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, SnapshotFormScreen))
        await pilot.press("end", "ctrl+u", *"after", "enter")  # a name of our own
        await wait_until(pilot, lambda: names(app) == [first, "after *"])

        await pilot.press("c")  # a name taken, then an empty one: said beside the field, nothing made
        await wait_until(pilot, lambda: isinstance(app.screen, SnapshotFormScreen))
        why = app.screen.query_one("#snapshot-name-why")
        await pilot.press("end", "ctrl+u", *"after", "enter")
        assert "already has a snapshot called after" in str(why.render())
        await pilot.press("ctrl+u")
        assert "a name is needed" in str(why.render())
        await pilot.press(*"a/b")
        assert "letters, digits" in str(why.render())
        await pilot.press("escape")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SnapshotsScreen)
        assert libvirt_snapshots(app, "web-01") == ["after", first]
        assert any("with its memory" in n.message for n in app._notifications)  # how it was taken

        # Revert to the first, keeping the guest paused; cancel once first.
        await pilot.press("up", "r")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("c")
        await pilot.pause(0.2)
        assert isinstance(app.screen, SnapshotsScreen) and names(app)[1] == "after *"
        await pilot.press("r")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("p")
        await wait_until(pilot, lambda: names(app) == [f"{first} *", "after"])
        state = app.fleet.session(DEMO.uri).call(lambda c: c.lookupByName("web-01").state()[0], changes=False)
        assert state == libvirt.VIR_DOMAIN_PAUSED

        # Delete "after" alone.
        await pilot.press("down", "d")
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("a")
        await wait_until(pilot, lambda: names(app) == [f"{first} *"])
        assert libvirt_snapshots(app, "web-01") == [first]

        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_a_guest_undefined_meanwhile_closes_the_screen_with_a_message() -> None:
    app = TuivirtApp([DEMO], refresh=0.3)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_snapshots(pilot, app, "backup")  # shut off: it can be undefined at once
        app.fleet.session(DEMO.uri).call(lambda c: c.lookupByName("backup").undefine())
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), timeout=5)
        assert any("backup is no longer defined on demo" in n.message for n in app._notifications)


async def test_bulk_snapshot_across_hosts_reports_each_guest(tmp_path: Path) -> None:
    """T on guests marked on two hosts: one name for all; a guest that has it already fails alone."""
    other = demo_copy(tmp_path, "other")
    app = TuivirtApp([DEMO, other], refresh=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 28)
        app.fleet.session(other.uri).call(
            lambda c: c.lookupByName("web-02").snapshotCreateXML(
                "<domainsnapshot><name>pre-upgrade</name></domainsnapshot>"
            )
        )
        marked = {
            k
            for k in table.keys
            if (domain(table, k).name, domain(table, k).host)
            in {("web-01", "demo"), ("backup", "demo"), ("web-02", "other")}
        }
        table.set_marks(marked)
        await pilot.press("T")
        await wait_until(pilot, lambda: isinstance(app.screen, SnapshotFormScreen))
        await pilot.press("ctrl+u", *"pre-upgrade", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await app.workers.wait_for_complete()
        await pilot.pause()
        report = "\n".join(str(n.message) for n in app._notifications)
        assert "Snapshot: web-01, backup done" in report or "Snapshot: backup, web-01 done" in report
        assert "Snapshot failed for web-02 on other:" in report and "already exists" in report
        assert libvirt_snapshots(app, "web-01") == ["pre-upgrade"]
        assert libvirt_snapshots(app, "backup") == ["pre-upgrade"]
        # The counts column follows (read again after an action of ours, not on every tick).
        await wait_until(pilot, lambda: {domain(table, k).snapshots for k in marked} == {1}, timeout=5)


def redefine_external(conn: libvirt.virConnect, guest: str, name: str) -> None:
    """An external disk-only snapshot's record (the test driver cannot take one, but keeps one)."""
    dom = conn.lookupByName(guest)
    dom.snapshotCreateXML(
        f"<domainsnapshot><name>{name}</name><state>running</state><creationTime>1700000000</creationTime>"
        "<memory snapshot='no'/><disks><disk name='vda' snapshot='external'>"
        f"<source file='/tmp/{name}.ovl'/></disk></disks>{dom.XMLDesc(0)}</domainsnapshot>",
        libvirt.VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE,
    )


async def test_the_tree_the_version_refusal_and_a_branch_deleted() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        session = app.fleet.session(DEMO.uri)
        await wait_until(pilot, lambda: key_of(app.main.table, "web-01") is not None)

        def build(conn: libvirt.virConnect) -> None:
            dom = conn.lookupByName("web-01")
            redefine_external(conn, "web-01", "disk-0")  # a root of its own, the oldest
            for name, parent in [("base", None), ("child", "base"), ("grandchild", "child")]:
                if parent:
                    dom.revertToSnapshot(dom.snapshotLookupByName(parent))
                dom.snapshotCreateXML(f"<domainsnapshot><name>{name}</name></domainsnapshot>")

        session.call(build)
        await open_snapshots(pilot, app, "web-01")
        await wait_until(pilot, lambda: len(names(app)) == 4)
        table = app.screen.query_one("#snapshot-list", DataTable)
        shown = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert shown == ["disk-0", "base", "  └ child", "    └ grandchild *"]
        assert str(table.get_row_at(0)[3]) == "external, disk only"

        version = libvirt.getVersion()  # the test driver's is the library's
        refused = f"needs libvirt 9.7 or later; this host has {version // 1_000_000}.{version // 1000 % 1000}"
        await pilot.press("home", "r")  # external: before 9.7 said before anything is tried
        await pilot.pause(0.2)
        if version < 9_007_000:
            assert isinstance(app.screen, SnapshotsScreen)
            assert any(refused in str(n.message) for n in app._notifications)
        else:  # libvirt reverts external snapshots: the revert is asked as any other
            assert isinstance(app.screen, ChoiceScreen)
            await pilot.press("c")

        await pilot.press("down", "down", "d")  # child, with its children
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen))
        await pilot.press("b")  # the branch
        await wait_until(pilot, lambda: names(app) == ["disk-0", "base *"])  # the parent is current now
        assert libvirt_snapshots(app, "web-01") == ["base", "disk-0"]


async def test_a_guest_without_qcow2_disks_is_not_offered_a_snapshot_with_memory() -> None:
    """It once was, by default, and the failure took ~30 s to show."""
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:

        def define_raw(conn: libvirt.virConnect) -> None:
            conn.createXML(
                "<domain type='test'><name>rawdisk</name><memory>65536</memory><os><type>hvm</type></os>"
                "<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>"
                "<source file='/var/lib/x/raw.img'/><target dev='vda'/></disk></devices></domain>"
            )

        await wait_until(pilot, lambda: key_of(app.main.table, "web-01") is not None)  # connected
        app.fleet.session(DEMO.uri).call(define_raw, changes=True)
        screen = await open_snapshots(pilot, app, "rawdisk")
        await wait_until(
            pilot, lambda: "No snapshots yet" in str(screen.query_one("#snapshots-status").render())
        )
        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, SnapshotFormScreen))
        kinds = app.screen.query_one("#snapshot-kind")
        assert [str(value) for _prompt, value in kinds._options] == ["disk"]  # type: ignore[attr-defined]
        assert "needs every disk in qcow2" in str(app.screen.query_one(".dialog-note").render())
