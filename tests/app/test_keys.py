"""Keys as the user sees them: remapped keys in help and footer, clashes and unknown ids reported,
q never losing a form, every key of the main screen in help, read-only explanations."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Footer, Input

from tests.app.helpers import key_of
from tests.app.test_create_form import open_form
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.config.load import Config
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import demo_uri
from tuivirt.ui.create.screen import CreateScreen
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.help import HelpScreen
from tuivirt.ui.shared.keymap import class_bindings
from tuivirt.ui.shared.widgets.domains_table import DomainsTable

DEMO = HostConfig("demo", demo_uri())


async def ready(pilot: Pilot[Any], app: TuivirtApp, guest: str = "web-01") -> DomainsTable:
    table = app.main.table
    await wait_until(pilot, lambda: table.row_count >= 14)
    key = key_of(table, guest)
    assert key is not None and table.select_key(key)
    await pilot.pause()
    return table


async def help_rows(pilot: Pilot[Any], app: TuivirtApp) -> dict[str, tuple[str, str]]:
    """binding id -> (keys, description) as the help screen lists them."""
    await pilot.press("question_mark")
    await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
    table: DataTable[str] = app.screen.query_one(DataTable)
    rows = [table.get_row_at(i) for i in range(table.row_count)]
    return {str(r[2]): (str(r[0]), str(r[1])) for r in rows}


def footer_keys(app: TuivirtApp) -> dict[str, str]:
    """description -> key of each key the footer shows, left of the palette key."""
    footer = app.screen.query_one(Footer)
    return {w.description: w.key for w in footer.query("FooterKey") if w.description}  # type: ignore[attr-defined]


async def test_remapped_key_is_what_help_and_footer_show() -> None:
    app = TuivirtApp([DEMO], config=Config(keymap={"guest.force_off": "K"}))
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        await wait_until(pilot, lambda: "Force off" in footer_keys(app))
        assert footer_keys(app)["Force off"] == "K"
        keys, _does = (await help_rows(pilot, app))["guest.force_off"]
        assert keys == "K"


async def test_remapped_key_keeps_its_place_in_the_footer() -> None:
    """Textual's own keymap moved a remapped key to the end, where 100 columns cut it off."""
    order = []
    for keymap in ({}, {"guest.force_off": "K"}):
        app = TuivirtApp([DEMO], config=Config(keymap=keymap))
        async with app.run_test(size=(100, 30)) as pilot:
            await ready(pilot, app)
            await pilot.pause()
            order.append(list(footer_keys(app)))
    assert order[0] == order[1]


async def test_unknown_id_and_clash_are_reported_and_quit_stays() -> None:
    keymap = {"guest.nonsense": "x", "guest.start": "q", "guest.pause": "Z"}
    app = TuivirtApp([DEMO], config=Config(keymap=keymap))
    async with app.run_test(size=(120, 30)) as pilot:
        await ready(pilot, app, "backup")  # shut off: start applies
        warnings = "\n".join(str(n.message) for n in app._notifications)
        assert "keys.guest.nonsense: no such binding id" in warnings
        assert "keys.guest.start = 'q': q is already app.quit" in warnings
        assert "guest.pause" not in warnings  # a good entry is applied, not reported
        assert app.keymap_in_force == {"guest.pause": "Z"}
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running  # q still quits; it did not start the guest


async def test_help_lists_every_key_of_the_main_screen() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(120, 40)) as pilot:
        await ready(pilot, app)
        listed = await help_rows(pilot, app)
        expected: dict[str, set[str]] = {}
        for binding in class_bindings(MainScreen) + class_bindings(DomainsTable):
            if binding.id:
                expected.setdefault(binding.id, set()).add(app.get_key_display(binding))
        assert set(listed) == set(expected)
        for binding_id, keys in expected.items():
            assert set(listed[binding_id][0].split(", ")) == keys, binding_id
        assert listed["guest.delete"][0] == "D, del"
        assert "(not now)" in listed["guest.start"][1]  # web-01 runs: start does not apply
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_q_in_the_form_is_a_letter_and_leaving_with_values_asks() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(pilot, app)
        await pilot.press(*"qa-box")
        assert app.is_running and app.screen is form
        assert form.query_one("#name", Input).value == "qa-box"
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "values you entered will be lost" in str(app.screen.query_one(".dialog-body").render())
        await pilot.press("n")
        await wait_until(pilot, lambda: app.screen is form)
        assert form.query_one("#name", Input).value == "qa-box"
        await pilot.press("escape", "y")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_untouched_form_leaves_without_asking() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_form(pilot, app)
        assert not form.has_values()
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))


async def test_new_in_readonly_mode_says_why() -> None:
    app = TuivirtApp([DEMO], readonly=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await ready(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, CreateScreen)
        assert any("read-only" in str(n.message) for n in app._notifications)
