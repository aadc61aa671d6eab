"""1,000 guests from a generated node file: listing, filtering, sorting, and a selection that stays."""

from __future__ import annotations

import pytest

from tests.app.helpers import domain, names
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.testbed.testnode import PAUSED, guest_state, write_node_file
from tuivirt.ui.shared.widgets.domains_table import DomainsTable

COUNT = 1000


@pytest.fixture(scope="module")
def big_host(tmp_path_factory: pytest.TempPathFactory) -> HostConfig:
    path = write_node_file(tmp_path_factory.mktemp("nodes") / "rack-big.xml", COUNT)
    return HostConfig("rack-big", f"test://{path}")


async def test_thousand_guests_open_list_and_filter(big_host: HostConfig) -> None:
    app = TuivirtApp([big_host])
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: table.row_count == COUNT)
        assert names(table) == [f"guest-{i:04d}" for i in range(COUNT)]

        await pilot.press("slash", *"guest-0999")
        assert names(table) == ["guest-0999"]

        await pilot.press("escape")
        assert table.row_count == COUNT
        await pilot.press("slash", *"paused", "enter")
        assert table.row_count == sum(1 for i in range(COUNT) if guest_state(i) == PAUSED)
        assert app.focused is table  # Enter keeps the filter and goes back to the table

        await pilot.press("slash")
        for _ in "paused":
            await pilot.press("backspace")
        await pilot.press(*"rack-big")  # by host name: every guest
        assert table.row_count == COUNT


async def test_selection_survives_refresh_sort_and_filter(big_host: HostConfig) -> None:
    app = TuivirtApp([big_host], refresh=0.2)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: table.row_count == COUNT)
        assert table.select_key(table.keys[123])
        chosen = table.cursor_key
        assert chosen is not None and domain(table, chosen).name == "guest-0123"

        for _ in range(3):  # three polls
            seen = app.fleet.snapshots[big_host.uri]
            await wait_until(pilot, lambda seen=seen: app.fleet.snapshots[big_host.uri] is not seen)  # type: ignore[misc]
        assert table.cursor_key == chosen

        await pilot.press("greater_than_sign")  # sort by the next column: state
        assert table.sort_column.key == "state"
        assert table.cursor_key == chosen
        assert table.cursor_row != 123
        await pilot.press("I")  # inverted
        assert table.sort_reverse and table.cursor_key == chosen

        await pilot.press("slash", *"guest-01")  # still matches guest-0123
        assert table.row_count == 100
        assert table.cursor_key == chosen
        await pilot.press("escape")
        assert table.cursor_key == chosen


async def test_narrow_terminal_drops_least_important_columns(big_host: HostConfig) -> None:
    app = TuivirtApp([big_host])
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: table.row_count == COUNT)
        narrow = table.visible_columns
        assert {"name", "state", "cpu", "vcpus", "memory"} <= set(narrow)
        assert "net" not in narrow and "autostart" not in narrow
    app = TuivirtApp([big_host])
    async with app.run_test(size=(160, 40)) as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: table.row_count == COUNT)
        assert table.visible_columns == [c.key for c in table.columns if c.key != "tags"]  # (no tags yet)
