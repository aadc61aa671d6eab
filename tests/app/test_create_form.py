"""The new-guest form on the demo host, filled from the keyboard."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select

from tests.app.helpers import domain
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig, HostStatus
from tuivirt.cli import demo_uri
from tuivirt.ui.create.screen import CreateScreen
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.dialogs.preview import PreviewScreen
from tuivirt.ui.shared.widgets.hosts_table import HostsTable

DEMO = HostConfig("demo", demo_uri())
DEMO_VOLUME = "/var/lib/libvirt/images/demo/backup.qcow2"


async def open_form(pilot: Pilot[Any], app: TuivirtApp, rows: int = 14) -> CreateScreen:
    """Wait for a host up with ``rows`` guests, press n, and wait for the host's offer."""
    hosts = app.main.query_one(HostsTable)

    def ready() -> bool:
        up = any((h := hosts.item(k)) is not None and h.status is HostStatus.UP for k in hosts.keys)
        return up and app.main.table.row_count >= rows

    await wait_until(pilot, ready)
    await pilot.press("n")
    await wait_until(pilot, lambda: isinstance(app.screen, CreateScreen))
    form = app.screen
    assert isinstance(form, CreateScreen)
    await wait_until(pilot, lambda: "vCPUs" in str(form.query_one("#form-status").render()))
    return form


def why(form: Widget, field: str) -> str:
    return str(form.query_one(f"#{field}-why", Label).render())


async def type_into(pilot: Pilot[Any], form: Widget, field: str, text: str) -> None:
    widget = form.query_one(f"#{field}", Input)
    widget.focus()
    await pilot.press("ctrl+a", "backspace") if widget.value else None
    widget.value = ""
    await pilot.press(*text)


async def test_errors_show_beside_fields_and_create_waits_for_a_valid_form() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot, app)
        create = form.query_one("#create", Button)
        status = str(form.query_one("#form-status").render())
        assert "demo: free memory not reported, up to 28 vCPUs" in status  # the test driver says 0
        assert why(form, "name") == "a name is needed"
        assert create.disabled

        await type_into(pilot, form, "name", "web-01")
        assert "already has a guest called web-01" in why(form, "name")
        await type_into(pilot, form, "name", "bad name")
        assert "letters, digits" in why(form, "name")
        await type_into(pilot, form, "memory", "32")
        assert "at least 64 MiB" in why(form, "memory")
        await type_into(pilot, form, "vcpus", "99")
        assert "1 to 28" in why(form, "vcpus")
        await type_into(pilot, form, "disk_gib", "500")
        assert "60.0 GiB free" in why(form, "disk_gib")
        assert create.disabled

        await type_into(pilot, form, "name", "new-guest")
        await type_into(pilot, form, "memory", "2G")
        await type_into(pilot, form, "vcpus", "2")
        await type_into(pilot, form, "disk_gib", "8")
        await type_into(pilot, form, "iso_path", DEMO_VOLUME)
        for field in ("name", "memory", "vcpus", "disk_gib", "iso_path"):
            assert why(form, field) == "", field
        assert not create.disabled


async def test_preview_create_and_select_the_new_guest() -> None:
    app = TuivirtApp([DEMO], refresh=0.3)
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot, app)
        await type_into(pilot, form, "name", "fresh-01")
        form.query_one("#install", Select).value = "network boot (PXE)"
        await pilot.pause()
        await pilot.press("ctrl+r")
        preview = app.screen
        assert isinstance(preview, PreviewScreen)
        assert (
            "<name>fresh-01</name>" in preview.domain_xml and '<boot dev="network" />' in preview.domain_xml
        )
        assert "<name>fresh-01.qcow2</name>" in preview.volume_xml
        await pilot.press("escape")
        assert app.screen is form

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen), timeout=10)
        table = app.main.table
        await wait_until(
            pilot, lambda: table.cursor_key is not None and domain(table, table.cursor_key).name == "fresh-01"
        )
        assert domain(table, table.cursor_key or "").state.label == "running"
        conn_volumes = app.fleet.session(DEMO.uri).call(
            lambda c: c.storagePoolLookupByName("demo-pool").listVolumes()
        )
        assert "fresh-01.qcow2" in conn_volumes


async def test_failed_create_keeps_the_form_and_removes_the_volume() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(100, 40)) as pilot:
        form = await open_form(pilot, app)
        await type_into(pilot, form, "name", "late-clash")
        form.query_one("#install", Select).value = "network boot (PXE)"
        await pilot.pause()
        assert not form.query_one("#create", Button).disabled
        # Someone else takes the name after the form read the host: only libvirt sees the clash.
        clash = "<domain type='test'><name>late-clash</name><memory>65536</memory>"
        clash += "<os><type>hvm</type></os></domain>"
        app.fleet.session(DEMO.uri).call(lambda c: c.defineXML(clash))
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "failed" in str(form.query_one("#form-result").render()), timeout=10)
        assert app.screen is form
        assert form.query_one("#name", Input).value == "late-clash"
        assert "defining late-clash failed" in str(form.query_one("#form-result").render())
        volumes = app.fleet.session(DEMO.uri).call(
            lambda c: c.storagePoolLookupByName("demo-pool").listVolumes()
        )
        assert "late-clash.qcow2" not in volumes
        await wait_until(
            pilot, lambda: "already has a guest called late-clash" in why(form, "name")
        )  # host read again
