"""`M` on the test driver: every other connected host is listed, each that will not do with its
reason (same host, a guest of that name there, a network missing, no free memory); a migration
libvirt refuses reaches the user as one line; evacuating a host shows why each guest stays."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Checkbox, OptionList

from tests.app.helpers import demo_copy, domain
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig, HostStatus
from tuivirt.cli import demo_uri
from tuivirt.ui.hosts.screen import HostsScreen
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.migrate.migrate_form import MigrateFormScreen
from tuivirt.ui.migrate.migrator import GuestMigrator

DEMO = HostConfig("demo", demo_uri())
DEFAULT = HostConfig("default", "test:///default")


def empty_copy(folder: Path) -> HostConfig:
    """The demo's network and pool, none of its guests: a host a shut-off demo guest can go to."""
    path = folder / "empty.xml"
    text = Path(demo_uri().removeprefix("test://")).read_text()
    path.write_text(re.sub(r"<domain .*?</domain>\s*", "", text, flags=re.S))
    return HostConfig("empty", f"test://{path}")


def notes(app: TuivirtApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def listed(form: MigrateFormScreen) -> dict[str, tuple[str, bool]]:
    """Host name -> (the line shown, whether it can be chosen)."""
    targets = form.query_one("#migrate-targets", OptionList)
    lines = [targets.get_option_at_index(i) for i in range(targets.option_count)]
    return {str(o.prompt).split(":")[0]: (str(o.prompt), not o.disabled) for o in lines}


async def open_form(pilot: Pilot[Any], app: TuivirtApp, guest: str, rows: int) -> MigrateFormScreen:
    table = app.main.table
    await wait_until(pilot, lambda: table.row_count == rows)  # every host read
    key = next(k for k in table.keys if k.startswith(DEMO.uri) and domain(table, k).name == guest)
    assert table.select_key(key)
    await pilot.press("M")
    await wait_until(pilot, lambda: isinstance(app.screen, MigrateFormScreen), timeout=10)
    assert isinstance(app.screen, MigrateFormScreen)
    return app.screen


async def test_each_host_that_will_not_do_says_why(tmp_path: Path) -> None:
    app = TuivirtApp([DEMO, demo_copy(tmp_path, "twin"), empty_copy(tmp_path), DEFAULT])
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app, "build-runner", 14 + 14 + 1)  # shut off: its definition moves
        hosts = listed(form)
        assert hosts["demo"] == ("demo: it is the same host", False)
        assert hosts["twin"] == ("twin: a guest named build-runner is defined there already", False)
        assert hosts["default"] == ("default: no network demo-net there", False)
        assert hosts["empty"] == ("empty", True)
        assert form.target_uri().endswith("empty.xml")  # the first that will do is chosen

        form.query_one("#copy-storage", Checkbox).value = True
        await wait_until(pilot, lambda: not listed(form)["empty"][1])
        assert listed(form)["empty"][0] == "empty: disks are copied only with a running guest"
        assert form.query_one("#add").disabled
        form.query_one("#copy-storage", Checkbox).value = False
        await wait_until(pilot, lambda: not form.query_one("#add").disabled)
        await pilot.press("escape")

        form = await open_form(pilot, app, "web-01", 29)  # running: it needs memory there
        assert listed(form)["empty"] == ("empty: needs 2.0 GiB, 0 B free", False)
        assert "No connected host will take it" in str(form.query_one("#migrate-note").render())


async def test_a_migration_libvirt_refuses_is_one_line_and_the_row_comes_back(tmp_path: Path) -> None:
    app = TuivirtApp([DEMO, empty_copy(tmp_path)])
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, app, "build-runner", 14)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Migrate build-runner to empty on demo:" in notes(app), timeout=10)
        line = next(n for n in notes(app).splitlines() if n.startswith("Migrate build-runner to"))
        assert "not supported" in line and "Traceback" not in notes(app)
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))  # one guest: it closes
        table = app.main.table
        key = next(k for k in table.keys if domain(table, k).name == "build-runner")
        assert table.cell_text(key, "state") == "shut off"  # no longer "migrating → empty"


async def test_evacuation_names_each_guest_that_stays_and_why(tmp_path: Path) -> None:
    app = TuivirtApp([DEMO, empty_copy(tmp_path)])
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_until(pilot, lambda: app.main.table.row_count == 14)
        await pilot.press("H")
        await wait_until(pilot, lambda: isinstance(app.screen, HostsScreen))
        await pilot.press("M")  # the cursor is on the first host: demo
        await wait_until(pilot, lambda: "Evacuate demo: no guest can go anywhere" in notes(app), timeout=10)
        assert "web-01 (2.0 GiB) stays: empty: needs 2.0 GiB, 0 B free" in notes(app)
        assert "build-runner" not in notes(app)  # shut off: not part of an evacuation


async def test_m_says_it_is_checking_and_twice_opens_one_form(tmp_path: Path) -> None:
    app = TuivirtApp([DEMO, empty_copy(tmp_path)])
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        # Both hosts up (the empty one too: on a loaded machine it connects after the first tick).
        both_up = [HostStatus.UP] * 2
        await wait_until(
            pilot, lambda: [s.status for s in app.fleet.snapshots.values()] == both_up, timeout=10
        )
        key = next(k for k in table.keys if domain(table, k).name == "build-runner")
        assert table.select_key(key)
        notes_set: list[tuple[str, str | None]] = []
        pending = app.main.query_one(GuestMigrator)._pending
        note = pending.note
        pending.note = lambda key, text: notes_set.append((key, text)) or note(key, text)  # type: ignore[method-assign, func-returns-value]
        await pilot.press("M", "M")  # the second before the hosts were read
        await wait_until(pilot, lambda: isinstance(app.screen, MigrateFormScreen), timeout=10)
        # "checking 2 hosts…" in the guest's row while they are read, gone once the form opens.
        assert notes_set == [(key, "checking 2 hosts…"), (key, None)]
        await pilot.pause(0.5)
        assert sum(isinstance(s, MigrateFormScreen) for s in app.screen_stack) == 1
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        await pilot.press("M")  # and a later M opens it again
        await wait_until(pilot, lambda: isinstance(app.screen, MigrateFormScreen), timeout=10)
