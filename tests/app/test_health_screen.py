"""The host health screen on top of the running app, against libvirt's test driver."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import libvirt
from textual.content import Content
from textual.widgets import Static

from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.fleet.host_list import HostList
from tuivirt.backend.live.connection import HostError
from tuivirt.backend.live.models import HostConfig, HostFacts, HostSnapshot, HostStatus
from tuivirt.backend.live.session import HostSession
from tuivirt.cli import demo_uri
from tuivirt.testbed.testnode import node_xml
from tuivirt.ui.health.screen import HealthScreen, block_id
from tuivirt.ui.main.screen import MainScreen

R = TypeVar("R")
DEMO = HostConfig("demo", demo_uri())
DEAD = HostConfig("dead", "qemu:///system?socket=/nonexistent/libvirt-sock")


def block(app: TuivirtApp, uri: str) -> Static:
    return app.screen.query_one(f"#{block_id(uri)}", Static)


def up(app: TuivirtApp, uri: str) -> bool:
    snapshot = app.fleet.snapshots.get(uri)
    return snapshot is not None and snapshot.status is HostStatus.UP


def text_of(app: TuivirtApp, uri: str) -> str:
    return str(block(app, uri).content)


def crowded_node(tmp_path: Path) -> str:
    """Six guests (four active: 8 vCPUs, 4 GiB) on a host of 2 CPUs and 1 GiB."""
    xml = node_xml(6).replace("<active>64</active>", "<active>2</active>")
    path = tmp_path / "crowded.xml"
    path.write_text(xml.replace("<memory>536870912</memory>", "<memory>1048576</memory>"))
    return f"test://{path.resolve()}"


async def test_demo_host_shows_pools_networks_overcommit_and_guests() -> None:
    app = TuivirtApp([DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: up(app, DEMO.uri))
        await app.push_screen(HealthScreen(app.fleet))
        await wait_until(pilot, lambda: "Pools" in text_of(app, DEMO.uri))
        await wait_until(pilot, lambda: "reading the guests" not in text_of(app, DEMO.uri))
        lines = text_of(app, DEMO.uri).splitlines()
        assert lines[0].startswith("  demo · up · libvirt ")
        assert "TEST " in lines[0] and "28 CPUs" in lines[0] and "128.0 GiB" in lines[0]
        # demo-node.xml: 10 active guests with 21 vCPUs and 31 GiB; one pool 100 GiB, 60 free.
        assert "  vCPUs      21 on 28 CPUs = 0.8\N{MULTIPLICATION SIGN}" in lines
        assert "  Guest RAM  31.0 GiB of 128.0 GiB = 24 %" in lines
        assert "  Guests     8 running · 2 paused · 4 shut off" in lines
        assert "  Pools      demo-pool 100.0 GiB, 60.0 GiB free, 40 % used" in lines
        assert "  Networks   demo-net" in lines
        assert max(len(line) for line in lines) <= 78  # fits 80 columns with the padding

        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_overcommitted_host_is_marked_and_coloured(tmp_path: Path) -> None:
    crowded = HostConfig("crowded", crowded_node(tmp_path))
    app = TuivirtApp([crowded])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: up(app, crowded.uri))
        await app.push_screen(HealthScreen(app.fleet))
        await wait_until(pilot, lambda: "Pools" in text_of(app, crowded.uri))
        # (the test driver's bulk call has no vCPUs: read guest by guest just after the first poll)
        await wait_until(pilot, lambda: "reading the guests" not in text_of(app, crowded.uri))
        lines = text_of(app, crowded.uri).splitlines()
        assert "▲ vCPUs      8 on 2 CPUs = 4.0\N{MULTIPLICATION SIGN}" in lines  # above 2:1, not above 4:1
        assert "✖ Guest RAM  4.0 GiB of 1.0 GiB = 400 %" in lines
        assert "  Pools      none" in lines
        assert "  Networks   none active" in lines
        summary = str(app.screen.query_one("#health-summary", Static).content).splitlines()
        assert summary[0].split() == ["Host", "State", "CPU%", "Mem%", "vCPU/CPU", "RAM%", "Pool%", "Guests"]
        assert summary[1].split() == [
            "✖",
            "crowded",
            "up",
            "-",
            "-",
            "4.0\N{MULTIPLICATION SIGN}",
            "400",
            "-",
            "4/6",
        ]
        content = block(app, crowded.uri).content
        assert isinstance(content, Content)
        styles = {str(span.style) for span in content.spans}
        assert {"$text-warning", "$text-error"} <= styles


class FrozenSession(HostSession):
    """A host whose daemon does not answer: every call waits until the test lets it go."""

    def __init__(self, config: HostConfig) -> None:
        super().__init__(config, lambda _snapshot: None)
        self.calls = 0
        self.release = threading.Event()

    def call(
        self, work: Callable[[libvirt.virConnect], R], *, changes: bool = True, guest: str | None = None
    ) -> R:
        self.calls += 1
        self.release.wait(30)
        raise HostError("no answer from the daemon")


async def test_frozen_and_dead_hosts_never_hold_up_the_others() -> None:
    frozen_config = HostConfig("frozen", "test:///frozen")
    frozen = FrozenSession(frozen_config)
    frozen_snapshot = HostSnapshot(frozen_config, HostStatus.UP, facts=HostFacts(cpus=2, memory_kib=1024))
    app = TuivirtApp([DEAD, DEMO])
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: up(app, DEMO.uri) and DEAD.uri in app.fleet.snapshots)
        # A host the fleet holds whose session never answers (added by hand: it has no thread).
        app.fleet.hosts.add(frozen_config)
        app.fleet.sessions[frozen_config.uri] = frozen
        app.fleet.snapshots[frozen_config.uri] = frozen_snapshot
        screen = HealthScreen(app.fleet)
        try:
            await app.push_screen(screen)
            await wait_until(pilot, lambda: "demo-pool" in text_of(app, DEMO.uri))
            await wait_until(pilot, lambda: app.fleet.snapshots[DEAD.uri].status is HostStatus.DOWN)
            screen.repaint()  # rather than wait for the 2 s timer
            dead = text_of(app, DEAD.uri)
            assert dead.startswith("✖ dead · down: ") and "\n" not in dead
            assert "Storage    reading…" in text_of(app, frozen_config.uri)
            await pilot.press("r", "r")
            await pilot.pause(0.1)
            assert frozen.calls == 1  # one read at a time per host, however often r is pressed
        finally:
            frozen.release.set()
        await wait_until(pilot, lambda: "could not read: no answer" in text_of(app, frozen_config.uri))
        await pilot.press("r")
        await wait_until(pilot, lambda: frozen.calls == 2)


async def test_blocks_follow_the_hosts_in_their_order(tmp_path: Path) -> None:
    a, b, c = (HostSnapshot(HostConfig(n, f"test:///{n}"), HostStatus.OFFLINE) for n in "abc")
    app = TuivirtApp([])
    fleet = app.fleet

    def show(*snapshots: HostSnapshot) -> None:
        """The fleet's hosts are these, in this order, each with its snapshot."""
        fleet.hosts = HostList([s.config for s in snapshots], tmp_path / "config.toml", set())
        fleet.snapshots = {s.config.uri: s for s in snapshots}

    async with app.run_test(size=(80, 24)) as pilot:
        show(a, c)
        screen = HealthScreen(fleet)
        await app.push_screen(screen)
        assert text_of(app, "test:///a") == "  a · offline"

        def visible() -> list[str]:
            hosts = screen.query_one("#health-hosts")
            return [
                str(w.content).split(" · ")[0].strip()
                for w in hosts.query(".health-host").results(Static)
                if w.display
            ]

        assert visible() == ["a", "c"]
        show(b, a)  # c gone, b new and first
        screen.repaint()
        await pilot.pause()
        assert visible() == ["b", "a"]
        show(a, b, c)
        screen.repaint()
        await pilot.pause()
        assert visible() == ["a", "b", "c"]
        assert not screen.query_one("#health-empty").display
        show()
        screen.repaint()
        assert visible() == []
        assert screen.query_one("#health-empty").display
