"""Read-only mode: a key that cannot act says why instead of nothing (storage's and networks' `n`,
the snapshots screen's keys) or instead of libvirt's raw refusal (V's `t`, `d`, `k`), and the
snapshots screen does not offer to take one."""

from __future__ import annotations

from tests.app.helpers import key_of
from tests.app.test_networks_screen import open_networks
from tests.app.test_storage_screen import open_storage
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import demo_uri
from tuivirt.ui.glimpse.screen import GuestScreenScreen
from tuivirt.ui.snapshots.screen import SnapshotsScreen

DEMO = HostConfig("demo", demo_uri())
READ_ONLY = "not available, tuivirt runs read-only (--readonly)"


def notes(app: TuivirtApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_keys_that_cannot_act_say_why() -> None:
    app = TuivirtApp([DEMO], readonly=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await open_storage(pilot, app)
        await pilot.press("n")
        await wait_until(pilot, lambda: f"New pool: {READ_ONLY}." in notes(app))
        await pilot.press("escape")
        await open_networks(pilot, app)
        await pilot.press("n")
        await wait_until(pilot, lambda: f"New network: {READ_ONLY}." in notes(app))
        await pilot.press("escape")

        await wait_until(pilot, lambda: key_of(app.main.table, "web-01") is not None)
        assert app.main.table.select_key(key_of(app.main.table, "web-01") or "")
        await pilot.press("t")
        await wait_until(pilot, lambda: isinstance(app.screen, SnapshotsScreen))
        status = app.screen.query_one("#snapshots-status")
        await wait_until(pilot, lambda: "read-only: none can be taken" in str(status.render()))
        await pilot.press("c")
        await wait_until(pilot, lambda: f"Take snapshot: {READ_ONLY}." in notes(app))
        await pilot.press("escape")

        await pilot.press("V")
        await wait_until(pilot, lambda: isinstance(app.screen, GuestScreenScreen))
        for key, what in (("t", "Type a line"), ("d", "Ctrl+Alt+Del"), ("k", "Send keys")):
            await pilot.press(key)
            await wait_until(pilot, lambda what=what: f"{what}: {READ_ONLY}." in notes(app))  # type: ignore[misc]
        assert not any("read only access prevents" in n for n in notes(app))
        footer = {
            b.binding.description for b in app.screen.active_bindings.values() if b.enabled and b.binding.show
        }
        assert "Type a line" not in footer
