"""What the picture tests share: the demo app on a node file at a fixed path, a second host, and
waits for the guests and a guest under the cursor."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from tests.app.helpers import key_of
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig, HostStatus
from tuivirt.cli import demo_uri
from tuivirt.ui.shared.widgets.domains_table import DomainsTable
from tuivirt.ui.storage.screen import StorageScreen

# A fixed path: the URI shows in the tables, and a checkout's own path differs from machine to machine.
NODE_FILE = Path("/tmp/tuivirt-snapshots/demo.xml")


def demo_app() -> TuivirtApp:
    NODE_FILE.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(demo_uri().removeprefix("test://"), NODE_FILE)
    host = HostConfig("demo", f"test://{NODE_FILE}")
    return TuivirtApp([host], refresh=3600, config_file=Path("config.toml"))


def still(pilot: Pilot[Any]) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


async def guests_shown(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, TuivirtApp)
    await wait_until(pilot, lambda: bool(app.main.query(DomainsTable)) and bool(app.main.table.keys))
    await wait_until(pilot, lambda: all(s.status is HostStatus.UP for s in app.fleet.snapshots.values()))


async def on_guest(pilot: Pilot[Any], name: str) -> None:
    await guests_shown(pilot)
    assert isinstance(pilot.app, TuivirtApp)
    table = pilot.app.main.table
    key = key_of(table, name)
    assert key is not None and table.select_key(key)
    await pilot.pause()


def two_host_app() -> TuivirtApp:
    """The demo and a host with its network and pool but none of its guests (nor free memory)."""
    demo = demo_app()
    empty = NODE_FILE.with_name("empty.xml")
    empty.write_text(re.sub(r"<domain .*?</domain>\s*", "", NODE_FILE.read_text(), flags=re.S))
    hosts = [*demo.fleet.hosts, HostConfig("rack-2", f"test://{empty}")]
    return TuivirtApp(hosts, refresh=3600, config_file=Path("config.toml"))


async def storage_shown(pilot: Pilot[Any]) -> None:
    """P: pools above, the chosen pool's volumes below."""
    await guests_shown(pilot)
    await pilot.press("P")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, StorageScreen))
    screen = pilot.app.screen
    assert isinstance(screen, StorageScreen)
    await wait_until(pilot, lambda: screen.volumes.row_count > 0)
