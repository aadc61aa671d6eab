"""Guest actions from the app on the real daemon, each checked with virsh afterwards."""

from __future__ import annotations

import pytest
from textual.widgets import Checkbox

from tests.app.helpers import key_of, state_of
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI, TEST_POOL, virsh
from tuivirt.app import TuivirtApp
from tuivirt.backend.config.load import Config
from tuivirt.backend.live.models import HostConfig
from tuivirt.ui.lifecycle.delete_dialog import DeleteScreen
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen

pytestmark = pytest.mark.integration


def domstate(name: str) -> str:
    return virsh("domstate", name).strip()


async def test_lifecycle_from_the_app(guest_with_volume: tuple[str, str]) -> None:
    name, volume_path = guest_with_volume
    app = TuivirtApp([HostConfig("localhost", SYSTEM_URI)], refresh=0.5, config=Config(shutdown_timeout=3))
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: state_of(table, name) == "shut off", timeout=15)
        key = key_of(table, name)
        assert key is not None and table.select_key(key)

        await pilot.press("s")
        await wait_until(pilot, lambda: state_of(table, name) == "running", timeout=15)
        assert domstate(name) == "running"

        await pilot.press("p")
        await wait_until(pilot, lambda: state_of(table, name) == "paused", timeout=10)
        assert domstate(name) == "paused"
        await pilot.press("u")
        await wait_until(pilot, lambda: state_of(table, name) == "running", timeout=10)
        assert domstate(name) == "running"

        # The busybox guest ignores ACPI: after the (3 s) timeout the app offers force off.
        await pilot.press("S")
        await wait_until(pilot, lambda: state_of(table, name) == "shutting down…", timeout=5)
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=10)
        assert domstate(name) == "running"
        await pilot.press("f")
        await wait_until(pilot, lambda: state_of(table, name) == "shut off", timeout=15)
        assert domstate(name) == "shut off"

        await pilot.press("s")
        await wait_until(pilot, lambda: state_of(table, name) == "running", timeout=15)
        await pilot.press("F")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await wait_until(pilot, lambda: state_of(table, name) == "shut off", timeout=15)
        assert domstate(name) == "shut off"

        await pilot.press("D")
        await wait_until(pilot, lambda: isinstance(app.screen, DeleteScreen), timeout=10)
        dialog = app.screen
        volume_box = dialog.query_one("#vol-0-0", Checkbox)
        assert volume_path in str(volume_box.label)
        volume_box.toggle()
        await pilot.pause()
        dialog.query_one("#phrase").focus()
        await pilot.press(*name, "enter")
        await wait_until(pilot, lambda: state_of(table, name) is None, timeout=15)

    assert name not in virsh("list", "--all", "--name").split()
    assert volume_path not in virsh("vol-list", TEST_POOL)
