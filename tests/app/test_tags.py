"""`#` tags guests in their own definitions, on the test driver: set by keys and read back from
libvirt's metadata, shown in the Tags column, found with `tag:` in the filter and marked together;
a bad tag is named beside the field; read-only mode edits nothing."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from tests.app.helpers import key_of, names, state_of
from tests.app.test_actions import palette_prompts
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.live.tags import NAMESPACE, read_tags
from tuivirt.cli import demo_uri
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.tags.tags_form import TagsFormScreen

DEMO = HostConfig("demo", demo_uri())


def notes(app: TuivirtApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


def in_libvirt(app: TuivirtApp, guest: str) -> tuple[tuple[str, ...], str]:
    """The guest's tags as libvirt has them for its next boot, and its definition."""

    def read(conn: Any) -> tuple[tuple[str, ...], str]:
        dom = conn.lookupByName(guest)
        return read_tags(dom, next_boot=True), dom.XMLDesc(2)  # VIR_DOMAIN_XML_INACTIVE

    return app.fleet.session(DEMO.uri).call(read, changes=False)


async def tag(pilot: Pilot[Any], app: TuivirtApp, add: str = "", remove: str = "") -> TagsFormScreen:
    await pilot.press("number_sign")
    await wait_until(pilot, lambda: isinstance(app.screen, TagsFormScreen))
    form = app.screen
    assert isinstance(form, TagsFormScreen)
    form.query_one("#add-tags", Input).value = add
    form.query_one("#remove-tags", Input).value = remove
    await pilot.pause()
    return form


async def test_tags_are_kept_by_libvirt_shown_filtered_and_marked() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(200, 40)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        assert "tags" not in table.visible_columns  # until a guest has one
        for guest in ("web-01", "web-02"):
            assert table.select_key(key_of(table, guest) or "")
            await pilot.press("space")
        await tag(pilot, app, add="web eu")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Tags changed on 2 guests." in notes(app))
        tags, xml = in_libvirt(app, "web-02")
        assert tags == ("web", "eu") and NAMESPACE in xml
        logged = [(e.kind, e.guest, e.text) for e in app.fleet.events.newest_first()]
        assert ("action", "web-02", "Tag web-02: done") in logged  # the event log has each guest's

        await pilot.press("escape")  # marks cleared
        assert table.select_key(key_of(table, "db-primary") or "")
        form = await tag(pilot, app, add="db", remove="nope")
        assert "nope: not on these guests" in str(form.query_one("#remove-tags-why").render())
        await pilot.press("ctrl+s")
        key = key_of(table, "web-01") or ""
        await wait_until(pilot, lambda: table.cell_text(key, "tags") == "web eu")
        assert "tags" in table.visible_columns
        await wait_until(pilot, lambda: table.cell_text(key_of(table, "db-primary") or "", "tags") == "db")

        await pilot.press("slash", *"tag:web", "enter")
        await wait_until(pilot, lambda: names(table) == ["web-01", "web-02"])
        await pilot.press("ctrl+a")
        assert len(table.marks) == 2
        form = await tag(pilot, app, remove="eu")
        assert "eu (2 of 2)" in str(form.query(".dialog-note").first().render())
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: table.cell_text(key, "tags") == "web")
        assert in_libvirt(app, "web-01")[0] == ("web",)

        await pilot.press("escape", "slash", "escape")  # the marks cleared, then the filter
        await wait_until(pilot, lambda: table.row_count == 14)
        await pilot.press("ctrl+p")  # the palette's "Mark tagged: db"
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Mark tagged: db")
        await wait_until(pilot, lambda: "Mark tagged: db" in palette_prompts(app))
        prompts = palette_prompts(app)
        app.screen.query_one(CommandList).highlighted = prompts.index("Mark tagged: db")
        await pilot.press("enter")
        await wait_until(pilot, lambda: table.marks == {key_of(table, "db-primary")})


async def test_a_bad_tag_is_named_and_nothing_is_written() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        assert table.select_key(key_of(table, "web-01") or "")
        form = await tag(pilot, app, add="ok no/slash")
        why = str(form.query_one("#add-tags-why").render())
        assert why.startswith("no/slash: letters, digits")
        assert form.query_one("#add").disabled
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, TagsFormScreen)  # refused, still open
        await pilot.press("escape")
        assert in_libvirt(app, "web-01")[0] == ()


async def test_read_only_mode_edits_no_tags() -> None:
    app = TuivirtApp([DEMO], readonly=True)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        assert table.select_key(key_of(table, "web-01") or "")
        await pilot.press("number_sign")
        await wait_until(pilot, lambda: "Tags: not available, tuivirt runs read-only" in notes(app))
        assert isinstance(app.screen, MainScreen)


async def test_guests_grouped_by_host_then_by_tag_with_counts() -> None:
    from tuivirt.backend.ops.tags.tags import write_tags

    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        for guest, tags in (("web-01", ["web"]), ("web-03", ["web"]), ("db-primary", ["db", "prod"])):
            uuid = table.item(key_of(table, guest) or "").domain.uuid  # type: ignore[union-attr]
            work = partial(write_tags, uuid=uuid, tags=tags)
            app.fleet.call(DEMO.uri, work, what="tag", changes=True, guest=uuid)
        await wait_until(pilot, lambda: table.cell_text(key_of(table, "web-03") or "", "tags") == "web")

        await pilot.press("b")
        assert list(table._titles.values()) == ["▸ demo: 14 guests, 8 running"]  # and two paused
        assert table.row_count == 14 and len(table.keys) == 14  # headers are lines, not rows
        uuid = table.item(key_of(table, "web-01") or "").domain.uuid  # type: ignore[union-attr]
        app.fleet.call(DEMO.uri, lambda conn: conn.lookupByUUIDString(uuid).suspend(), what="pause")
        await wait_until(pilot, lambda: state_of(table, "web-01") == "paused")  # sorted by name: no reorder
        assert list(table._titles.values()) == ["▸ demo: 14 guests, 7 running"]  # the header follows
        app.fleet.call(DEMO.uri, lambda conn: conn.lookupByUUIDString(uuid).resume(), what="resume")
        await wait_until(pilot, lambda: list(table._titles.values()) == ["▸ demo: 14 guests, 8 running"])

        await pilot.press("b")
        assert list(table._titles.values()) == [
            "▸ db: 1 guest, 1 running",
            "▸ web: 2 guests, 1 running",  # web-03 is paused
            "▸ no tag: 11 guests, 6 running",
        ]
        await pilot.press("home")
        assert table.cursor_key == key_of(table, "db-primary")  # the first row, not its header
        await pilot.press("down")
        assert table.cursor_key == key_of(table, "web-01")  # over the web header
        await pilot.press("up")
        assert table.cursor_key == key_of(table, "db-primary")

        await pilot.press("b")
        assert table._titles == {} and "Not grouped." in notes(app)


async def test_tags_written_elsewhere_show_through_libvirts_metadata_event() -> None:
    """Another tool sets the tags (here the same driver, with no word to the app's tables and no
    poll due): libvirt's metadata-change event alone brings them to the row."""
    from tuivirt.backend.ops.tags.tags import write_tags

    app = TuivirtApp([DEMO], refresh=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        uuid = table.item(key_of(table, "cache-01") or "").domain.uuid  # type: ignore[union-attr]
        await asyncio.to_thread(
            app.fleet.call,
            DEMO.uri,
            partial(write_tags, uuid=uuid, tags=["elsewhere"]),
            what="tag",
            changes=False,
        )
        await wait_until(
            pilot, lambda: table.cell_text(key_of(table, "cache-01") or "", "tags") == "elsewhere"
        )


async def test_tab_completes_a_tag_in_use_and_each_guest_that_failed_is_named() -> None:
    from tuivirt.backend.ops.tags.tags import write_tags

    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        uuid = table.item(key_of(table, "web-01") or "").domain.uuid  # type: ignore[union-attr]
        work = partial(write_tags, uuid=uuid, tags=["webfront"])
        await asyncio.to_thread(app.fleet.call, DEMO.uri, work, what="tag", changes=True, guest=uuid)
        await wait_until(pilot, lambda: table.cell_text(key_of(table, "web-01") or "", "tags") == "webfront")

        for guest in ("backup", "build-runner"):  # both shut off
            assert table.select_key(key_of(table, guest) or "")
            await pilot.press("space")
        form = await tag(pilot, app)
        assert "In use elsewhere: webfront (Tab completes)" in str(form.query_one(".dialog-note").render())
        form.query_one("#add-tags", Input).focus()
        await pilot.press(*"prod web")
        await pilot.pause(0.2)  # (the suggestion is worked out after the key)
        await pilot.press("tab")
        assert form.query_one("#add-tags", Input).value == "prod webfront"

        def gone(conn: Any) -> None:  # build-runner goes while the form is open
            conn.lookupByName("build-runner").undefine()

        await asyncio.to_thread(app.fleet.call, DEMO.uri, gone, what="undefine")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Tags changed on 1 guest." in notes(app))
        failed = [line for line in notes(app).splitlines() if line.startswith("Tag build-runner on demo: ")]
        assert len(failed) == 1 and "Traceback" not in notes(app), notes(app)
        assert in_libvirt(app, "backup")[0] == ("prod", "webfront")


async def test_at_80_columns_the_tags_column_takes_mem_percents_place() -> None:
    """Tags matter more than Mem% (priority 3 against 4): at 80 columns, once a guest has a tag,
    Mem% gives way to it; at 160 both show."""
    from tuivirt.backend.ops.tags.tags import write_tags

    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.main.table
        await wait_until(pilot, lambda: table.row_count == 14)
        assert "mem" in table.visible_columns and "tags" not in table.visible_columns
        uuid = table.item(key_of(table, "web-01") or "").domain.uuid  # type: ignore[union-attr]
        work = partial(write_tags, uuid=uuid, tags=["web"])
        await asyncio.to_thread(app.fleet.call, DEMO.uri, work, what="tag", changes=True, guest=uuid)
        await wait_until(pilot, lambda: "tags" in table.visible_columns)
        assert "mem" not in table.visible_columns
        await pilot.resize_terminal(160, 40)
        await wait_until(pilot, lambda: "mem" in table.visible_columns and "tags" in table.visible_columns)
