"""`L`: the event log on the test driver: the host coming up, the driver's lifecycle events with
their detail, and our own actions with the user who ran them; kept in the JSON lines file,
filtered as you type, and Enter goes to the guest's row."""

from __future__ import annotations

import getpass
import time
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input

from tests.app.helpers import key_of, state_of
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.eventlog.store import Event, EventStore
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import demo_uri
from tuivirt.ui.eventlog.screen import EventLogScreen
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.plain import Plain

DEMO = HostConfig("demo", demo_uri())


async def test_events_and_actions_are_logged_kept_and_lead_to_the_guest() -> None:
    EventStore().append([Event(1_790_000_000.0, "demo", "host", "down: an earlier run's")])
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        assert table.select_key(key_of(table, "web-01") or "")
        await pilot.press("p")  # pause

        def texts() -> list[tuple[str, str, str]]:
            return [(e.kind, e.guest, e.text) for e in app.fleet.events.newest_first()]

        await wait_until(pilot, lambda: ("lifecycle", "web-01", "paused (by us)") in texts(), timeout=10)
        await wait_until(pilot, lambda: ("action", "web-01", "Pause: done") in texts())
        assert ("host", "", "up") in texts()
        assert (
            next(e for e in app.fleet.events.newest_first() if e.kind == "action").user == getpass.getuser()
        )

        assert table.select_key(key_of(table, "db-primary") or "")
        await pilot.press("L")
        await wait_until(pilot, lambda: isinstance(app.screen, EventLogScreen))
        log = app.screen
        rows = log.query_one(DataTable)
        await wait_until(pilot, lambda: rows.row_count >= 3)
        await wait_until(
            pilot, lambda: str(rows.get_row_at(rows.row_count - 1)[4]) == "down: an earlier run's"
        )
        newest = {str(rows.get_row_at(0)[4]), str(rows.get_row_at(1)[4])}  # newest first, in either order
        assert newest == {f"Pause: done ({getpass.getuser()})", "paused (by us)"}
        rows.move_cursor(row=1)
        chosen = rows.get_row_at(1)
        app.fleet.events.append([Event(time.time(), "demo", "host", "a newer one")])
        await wait_until(pilot, lambda: str(rows.get_row_at(0)[4]) == "a newer one")
        assert rows.get_row_at(rows.cursor_row) == chosen  # the cursor stayed on its event
        log.query_one("#log-filter", Input).value = "paused"
        await wait_until(pilot, lambda: rows.row_count == 1)
        rows.focus()
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert table.cursor_key == key_of(table, "web-01")

    kept = EventStore().load()  # a later run (or `tuivirt log`) reads them back
    assert ("action", "web-01", "Pause: done") in [(e.kind, e.guest, e.text) for e in kept]


async def test_the_guests_table_under_a_full_screen_catches_up_when_it_shows_again() -> None:
    """While the log covers the tables they are not repainted (Textual would repaint the whole
    top screen for each); back on top, they show what changed meanwhile."""
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        assert "paused" not in app.export_screenshot().split("web-01", 1)[1].split("\n", 1)[0]
        await pilot.press("L")
        await wait_until(pilot, lambda: isinstance(app.screen, EventLogScreen))
        uuid = (table.item(key_of(table, "web-01") or "") or pytest.fail("no web-01")).domain.uuid
        app.fleet.call(DEMO.uri, lambda conn: conn.lookupByUUIDString(uuid).suspend(), what="pause")
        await wait_until(pilot, lambda: state_of(table, "web-01") == "paused")  # its data, not its paint
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.pause(0.2)
        line = app.export_screenshot().split("web-01", 1)[1].split("\n", 1)[0]
        assert "paused" in line


async def test_a_log_file_that_cannot_be_written_is_said_in_the_log_and_kept_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"  # where the state folder should be (root passes chmod)
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        assert table.select_key(key_of(table, "web-01") or "")
        await pilot.press("p")
        await wait_until(pilot, lambda: state_of(table, "web-01") == "paused")
        await pilot.press("L")
        await wait_until(pilot, lambda: isinstance(app.screen, EventLogScreen))
        status = app.screen.query_one("#log-status", Plain)
        await wait_until(pilot, lambda: "cannot write" in str(status.content))
        assert "kept in memory only" in str(status.content)
        rows = app.screen.query_one(DataTable)
        assert any("Pause: done" in str(rows.get_row_at(i)[4]) for i in range(rows.row_count))
