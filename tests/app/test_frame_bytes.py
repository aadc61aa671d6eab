"""What a tick sends to the terminal, in bytes (deterministic, no timing): Textual hands each frame
to App._display, which a real driver writes out; here the frame is rendered the same way."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.console import RenderableType
from textual._compositor import CompositorUpdate
from textual.screen import Screen

from tests.app.helpers import key_of
from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import DomainSnapshot, HostConfig, HostSnapshot, HostStatus
from tuivirt.cli import demo_uri
from tuivirt.ui.shared.messages import HostUpdated

SIZE = (160, 50)
DEMO = HostConfig("demo", demo_uri())


class FrameRecorder:
    """Every frame the app paints, as the bytes a terminal would receive."""

    def __init__(self, app: TuivirtApp) -> None:
        self.sizes: list[int] = []
        self.texts: list[str] = []
        self._app = app
        self._real = app._display
        app._display = self._display  # type: ignore[method-assign]

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        update: object = renderable
        if isinstance(update, CompositorUpdate):
            text = update.render_segments(self._app.console)
            self.sizes.append(len(text.encode()))
            self.texts.append(text)
        self._real(screen, renderable)


async def settled(pilot: Any, app: TuivirtApp, frames: FrameRecorder) -> HostSnapshot:
    """The demo host shown, and the screen quiet: its snapshot."""

    def up() -> bool:
        snapshot = app.fleet.snapshots.get(DEMO.uri)
        return snapshot is not None and snapshot.status is HostStatus.UP

    await wait_until(pilot, up)
    await wait_until(pilot, lambda: bool(app.main.table.keys))
    await pilot.pause(0.5)
    frames.sizes.clear()
    return app.fleet.snapshots[DEMO.uri]


def deliver(app: TuivirtApp, snapshot: HostSnapshot) -> None:
    """As the host's session does: a message to the main screen."""
    app.main.inbox.post_message(HostUpdated(snapshot, app.fleet.sessions[DEMO.uri]))


async def test_one_cell_that_changed_sends_only_that_cell() -> None:
    app = TuivirtApp([DEMO], refresh=3600)
    frames = FrameRecorder(app)
    async with app.run_test(size=SIZE) as pilot:
        snapshot = await settled(pilot, app, frames)
        web = next(d for d in snapshot.domains if d.name == "web-02")
        assert web.cpu_pct is None  # the test driver has no CPU figures: "-" in the table
        busy = replace(web, cpu_pct=42.0)
        deliver(app, replace(snapshot, domains=tuple(busy if d is web else d for d in snapshot.domains)))
        key = key_of(app.main.table, "web-02")
        assert key is not None
        await wait_until(pilot, lambda: app.main.table.cell_text(key, "cpu") == "42.0")
        await wait_until(pilot, lambda: any("42.0" in text for text in frames.texts))
        # The frame that painted the cell (a frame of something else may come in the same moment).
        painted = next(text for text in frames.texts if "42.0" in text)
        # Without partial_lines the span from the row's left edge goes too (about 190 B).
        assert len(painted.encode()) < 60, repr(painted)


def with_cpu(snapshot: HostSnapshot, name: str, cpu_pct: float) -> HostSnapshot:
    """The snapshot again, all new objects, with one guest's CPU % set."""

    def guest(d: DomainSnapshot) -> DomainSnapshot:
        return replace(d, cpu_pct=cpu_pct) if d.name == name else replace(d)

    return replace(snapshot, domains=tuple(guest(d) for d in snapshot.domains))


async def test_a_tick_that_changes_nothing_shown_sends_nothing() -> None:
    app = TuivirtApp([DEMO], refresh=3600)
    frames = FrameRecorder(app)
    async with app.run_test(size=SIZE) as pilot:
        snapshot = await settled(pilot, app, frames)
        deliver(app, with_cpu(snapshot, "web-02", 10.01))
        await pilot.pause(0.3)
        assert frames.sizes  # 10.0 shown
        frames.sizes.clear()
        deliver(app, with_cpu(snapshot, "web-02", 10.04))  # a new value, the same text
        await pilot.pause(0.5)
        assert frames.sizes == []


async def test_a_full_screen_over_the_tables_sends_nothing_for_a_tick() -> None:
    """The tables under L (a full screen) change: nothing of them shows, so nothing is sent. Textual
    would repaint the whole top screen for each hidden change (SnapshotTable._covered)."""
    app = TuivirtApp([DEMO], refresh=3600)
    frames = FrameRecorder(app)
    async with app.run_test(size=SIZE) as pilot:
        snapshot = await settled(pilot, app, frames)
        await pilot.press("L")
        await wait_until(pilot, lambda: app.screen is not app.main)
        await pilot.pause(0.5)
        frames.sizes.clear()
        for cpu in (11.0, 22.0, 33.0):
            deliver(app, with_cpu(snapshot, "web-02", cpu))
            await pilot.pause(0.2)
        await pilot.pause(0.3)
        assert sum(frames.sizes) == 0, frames.sizes
        key = key_of(app.main.table, "web-02")
        assert key is not None and app.main.table.cell_text(key, "cpu") == "33.0"
        frames.texts.clear()
        await pilot.press("escape")  # back: what changed meanwhile is painted
        await wait_until(pilot, lambda: any("33.0" in text for text in frames.texts))
