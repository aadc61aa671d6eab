"""A hostile fleet: names, titles, descriptions, snapshots, tags, networks, pools and volumes made
of markup, escape sequences, CR, U+202E and 10,000 characters (on libvirt's test driver, through
the app's own connection); agent facts and event log lines with the same; a libvirt reason quoting
``[/path]``. Every screen and dialog is opened by keys at 80x24 and at 1x1: the app must keep
running, no control character from that text may reach the terminal, and the text shows escaped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import libvirt
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, TabbedContent

from tests.app.helpers import key_of
from tests.app.test_frame_bytes import FrameRecorder
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.eventlog.store import state_home
from tuivirt.backend.fleet.fleet import HostCallError
from tuivirt.backend.live.guest_agent import AgentFacts, FileSystem
from tuivirt.backend.live.models import HostConfig, HostStatus
from tuivirt.backend.live.tags import NAMESPACE, PREFIX, tags_xml
from tuivirt.ui.details.screen import DetailsScreen, agent_view
from tuivirt.ui.eventlog.screen import EventLogScreen
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.messages import HostUpdated

OSC_TITLE, CLEAR, BEL = "\x1b]0;T\x07", "\x1b[2J", "\x07"
MARKUP = ["[/x]", "[red]RED[/red]", "[@click=app.quit]"]
EVIL = f"evil{OSC_TITLE}{CLEAR}\x1b[31mred\r\u202e{MARKUP[0]}{MARKUP[1]}{MARKUP[2]}"
# Guest names libvirt takes: no "/" and no control character but CR (written as &#13; in XML).
NAMES = ["[red]RED", "[@click=app.quit]q", "cr\rname", "\u202eevil", "[b]" + "L" * 10_000]


def _domain(index: int, name: str) -> str:
    state = 5 if index % 2 else 1  # shut off, running
    return (
        "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
        f"<name>{escape(name).replace(chr(13), '&#13;')}</name>"
        f"<uuid>00000000-0000-4000-8000-{index:012d}</uuid>"
        f"<title>{escape('[/x] title [red]')}\u202e</title>"
        f"<description>{escape('before editing [/etc/fstab] [red]')}</description>"
        "<memory unit='MiB'>256</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>"
        "<devices><disk type='file' device='disk'><source file='/var/lib/[/x]/d.img'/>"
        "<target dev='vda' bus='virtio'/></disk><video><model type='vga'/></video></devices>"
        f"<test:runstate>{state}</test:runstate></domain>"
    )


def _node(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.xml"
    pool = (
        "<pool type='dir'><name>[red]pool</name><target><path>/tmp/hostile-pool</path></target>"
        "<volume><name>[red]vol[/red].img</name><capacity>1048576</capacity></volume>"
        "<volume><name>v\u202e.img</name><capacity>1048576</capacity></volume></pool>"
    )
    network = "<network><name>[red]net</name><bridge name='virbr77'/></network>"
    network += "<network><name>\u202enet</name><bridge name='virbr78'/></network>"
    domains = "".join(_domain(i, name) for i, name in enumerate(NAMES))
    path.write_text(f"<node>{domains}{network}{pool}</node>")
    return path.resolve()


def _seed_event_log() -> None:
    """Lines another run (or anyone who can write the file) left: outside text too."""
    folder = state_home()
    folder.mkdir(parents=True, exist_ok=True)
    fields = dict(host=f"h{OSC_TITLE}", kind=f"{CLEAR}action", guest=MARKUP[0], uuid="", user="", uri="")
    lines = [
        dict(
            fields,
            at=time.time() - 60,
            text="Clone: failed: Is another process using the image [/var/x.qcow2]?",
        ),
        dict(fields, at=time.time() - 50, text=EVIL),
    ]
    with (folder / "events.jsonl").open("a") as file:
        file.write("".join(json.dumps(line) + "\n" for line in lines))


def _make_hostile(conn: libvirt.virConnect) -> None:
    """On the app's connection (the test driver keeps each connection's node apart)."""
    for dom in conn.listAllDomains(0):
        if dom.isActive():
            dom.snapshotCreateXML(
                f"<domainsnapshot><name>{escape('s[/x]')}</name>"
                f"<description>{escape(EVIL.replace(chr(27), '').replace(chr(7), ''))}</description>"
                "</domainsnapshot>"
            )
        # As `virsh metadata` would write them: past the tags form's own check.
        flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG | (libvirt.VIR_DOMAIN_AFFECT_LIVE if dom.isActive() else 0)
        dom.setMetadata(
            libvirt.VIR_DOMAIN_METADATA_ELEMENT, tags_xml(["[red]tag", "t\u202e"]), PREFIX, NAMESPACE, flags
        )


class Hostile:
    def __init__(self, app: TuivirtApp, pilot: Pilot[Any], frames: FrameRecorder, uri: str) -> None:
        self.app, self.pilot, self.frames, self.uri = app, pilot, frames, uri

    def assert_safe(self, where: str) -> None:
        assert self.app.is_running, f"the app ended at {where}"
        for text in self.frames.texts:
            for raw in (OSC_TITLE, CLEAR, BEL, "\r", "\u202e", "\x1b[31mred"):
                assert raw not in text, f"{raw!r} reached the terminal at {where}"
        self.frames.texts.clear()

    async def back_to_main(self) -> None:
        for _ in range(6):
            if isinstance(self.app.screen, MainScreen):
                break
            await self.pilot.press("escape")
            await self.pilot.pause(0.1)
        assert isinstance(self.app.screen, MainScreen)

    async def visit(self, *keys: str, where: str) -> None:
        await self.pilot.press(*keys)
        await self.pilot.pause(0.4)
        self.assert_safe(where)

    def select(self, name: str) -> None:
        key = key_of(self.app.main.table, name)
        assert key is not None and self.app.main.table.select_key(key)


@pytest.fixture
def hostile_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HostConfig]:
    monkeypatch.setenv("EDITOR", "true")  # E: an editor that changes nothing, and never waits
    _seed_event_log()
    yield HostConfig(f"host{OSC_TITLE}[/x]", f"test://{_node(tmp_path)}")


@pytest.mark.parametrize("size", [(80, 24), (1, 1)])
async def test_every_screen_shows_hostile_text_as_plain_text(
    hostile_host: HostConfig, size: tuple[int, int]
) -> None:
    app = TuivirtApp([hostile_host], refresh=0.5)
    frames = FrameRecorder(app)
    async with app.run_test(size=size) as pilot:
        uri = hostile_host.uri

        def up() -> bool:
            snapshot = app.fleet.snapshots.get(uri)
            return snapshot is not None and snapshot.status is HostStatus.UP

        await wait_until(pilot, up)
        app.fleet.session(uri).call(_make_hostile, changes=True)
        await wait_until(pilot, lambda: app.main.table.row_count == len(NAMES))
        h = Hostile(app, pilot, frames, uri)
        await pilot.pause(1.0)  # a tick: the snapshot counts and tags read
        h.assert_safe("the main screen")
        assert "cr\\rname" in {app.main.table.cell_text(k, "name") for k in app.main.table.keys}

        # What a guest's agent says (the test driver has none): in the row, the overview and the tab.
        snapshot = app.fleet.snapshots[uri]
        spoofed = tuple(replace(d, os_name=EVIL, ip="10.0.0.1", agent=EVIL) for d in snapshot.domains)
        app.main.inbox.post_message(HostUpdated(replace(snapshot, domains=spoofed), app.fleet.sessions[uri]))
        facts = AgentFacts(
            os=EVIL, kernel=EVIL, hostname=EVIL, users=(EVIL,), timezone=EVIL,
            filesystems=(FileSystem(mountpoint=EVIL, type=EVIL, used=1, total=2),),
        )  # fmt: skip
        for name in ("[red]RED", "\u202eevil"):
            h.select(name)
            await h.visit("enter", where=f"details of {name!r}")
            if isinstance(app.screen, DetailsScreen):
                app.screen.query_one("#agent-text").update(agent_view(facts))  # type: ignore[attr-defined]
                for tab in ("overview", "disks", "network", "agent", "xml"):
                    app.screen.query_one(TabbedContent).active = tab
                    await pilot.pause(0.2)
                    h.assert_safe(f"the details' {tab} tab")
            await h.back_to_main()

        # A libvirt reason quoting a bracketed name, as a toast and in the log.
        def fail(conn: libvirt.virConnect) -> None:
            conn.lookupByName("[red]RED").snapshotLookupByName("[/etc/fstab]")

        with pytest.raises(HostCallError) as failure:
            app.fleet.call(uri, fail, what="Revert [red]RED", record=True)
        assert "[/etc/fstab]" in failure.value.reason
        app.main.notify(str(failure.value), title=EVIL, severity="error")
        await h.visit(where="a toast quoting libvirt")

        running, shut_off = "[red]RED", "[@click=app.quit]q"
        for name in (running, shut_off):
            h.select(name)
            for keys in (["t"], ["e"], ["C"], ["i"], ["number_sign"], ["M"], ["V"], ["D"], ["c"], ["T"]):
                await h.visit(*keys, where=f"{keys[0]} on {name!r}")
                await h.back_to_main()
            if isinstance(app.screen, MainScreen) and app.main.query("ConsolePane"):
                await h.visit("f6", where="the console pane")
        h.select(NAMES[-1])  # 10,003 characters: E's file name once raised ENAMETOOLONG
        await h.visit("E", where="E on the longest name")
        await h.back_to_main()
        for keys in (
            ["H"],
            ["O"],
            ["P"],
            ["N"],
            ["L"],
            ["question_mark"],
            ["n"],
            ["slash", "[", "/", "x", "]"],
        ):
            await h.visit(*keys, where=f"{keys[0]}")
            if keys[0] == "L" and isinstance(app.screen, EventLogScreen):
                rows = app.screen.query_one(DataTable)
                shown = " ".join(str(c) for i in range(rows.row_count) for c in rows.get_row_at(i))
                assert "[/var/x.qcow2]" in shown and "\\x1b]0;T\\x07" in shown
                assert "[/etc/fstab]" in shown  # this run's failed action
            await h.back_to_main()
        assert app.is_running
