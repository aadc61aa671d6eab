"""`t`: a guest's snapshots on the test driver, driven by keys as a user would."""

from __future__ import annotations

import libvirt
from textual.widgets import DataTable

from tests.app.helpers import key_of
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig, HostStatus
from tuivirt.cli import demo_uri
from tuivirt.ui.dialogs.choice import ChoiceScreen
from tuivirt.ui.dialogs.prompt import PromptScreen
from tuivirt.ui.screens.main import MainScreen
from tuivirt.ui.screens.snapshots import SnapshotsScreen

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
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("enter")
        await wait_until(pilot, lambda: len(libvirt_snapshots(app, "web-01")) == 1)
        first = libvirt_snapshots(app, "web-01")[0]
        assert first.startswith("snap-")

        await pilot.press("c")
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("end", "ctrl+u", *"after", "enter")  # a name of our own
        await wait_until(pilot, lambda: names(app) == [first, "after *"])

        await pilot.press("c")  # a name taken: said, and nothing made
        await wait_until(pilot, lambda: isinstance(app.screen, PromptScreen))
        await pilot.press("end", "ctrl+u", *"after", "enter")
        await pilot.pause(0.3)
        assert any("already has a snapshot called after" in n.message for n in app._notifications)
        assert libvirt_snapshots(app, "web-01") == ["after", first]

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
