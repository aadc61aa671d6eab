"""From a tick's snapshot to the table painted: the UI cost of one poll, headless, at 1,000 and 5,000 guests.

For each guest count the script writes a test-driver node file (tuivirt.testbed.testnode) and
opens it in-process (``test:///PATH``) twice: once for the app (``TuivirtApp(...).run_test(size=
(160, 50))``, built with ``refresh=3600`` so that its own HostSession polls once and then sleeps
through the measurement; the script checks it did not emit again), and once on a connection of
its own, where ``HostPoller.tick`` gives a real ``HostSnapshot``. From it the script builds
``--samples`` snapshots per case, each just before it is timed. Each case starts with ``--warmup`` (65)
untimed snapshots: the app keeps per-guest history (60 ticks in newer versions), and a
long-running app, with full histories and a bigger heap for the garbage collector to walk, is
slower than a fresh one (about 28 ms against 31 ms per frame at 1,000 rows, measured).

* ``unchanged``: new objects, same data (every ``DomainSnapshot`` copied with ``replace``);
* ``all rows changed``: every ``DomainSnapshot`` with a ``cpu_pct`` that differs from the last
  sample's (so every row's CPU% cell changes; the sort by name keeps the order).

What is timed, per sample, with ``time.perf_counter``:

* ``handler``: the main screen's own ``show_host(HostUpdated(s, session))`` (``on_host_updated``
  before issue 19), called synchronously: whatever the app does with a snapshot (in every version
  so far ``HostsTable.show`` and ``DomainsTable.show``: cells rebuilt for changed rows, sort, dirty
  lines marked; newer versions also per-guest bookkeeping); ``of which DomainsTable.show`` is
  timed inside it by a wrapper;
* ``render``: a forced, synchronous frame of what Textual's screen update timer would do next:
  ``Compositor.update_widgets`` for every widget of the screen marked for repaint,
  ``Compositor.render_update`` (calls ``render_line`` for every dirty line) and
  ``render_segments(app.console)`` (the ANSI text the real driver would write; a headless app
  skips this step, so the script does it); ``frame bytes`` is that text's size;
* ``handler + render``: the sum, the figure with the target (<= 30 ms median at 1,000 rows);
* ``to frame``: a separate run of as many samples through the event loop, with no forcing:
  ``app.main.post_message(HostUpdated(s, session))``, as a host session does, then ``asyncio.sleep(0)`` until
  the app's ``_display`` is called with a frame that shows the new data. This adds the message
  queue and Textual's frame pacing (its update timer runs at 60 fps), so it is a latency, not a
  CPU cost; ``unchanged`` snapshots paint no frame and are not run this way.

After every forced sample the script checks that each screen line of the domains table was
painted from the current data (``_painted`` matches ``_line_signature``).

    .venv/bin/python benchmarks/bench_table_paint.py [--counts 1000,5000] [--samples 30]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import libvirt
from benchlib import md_table, median, ms, p95, source_note
from rich.console import RenderableType
from textual._compositor import CompositorUpdate
from textual.screen import Screen
from textual.widget import Widget

from tuivirt.app import TuivirtApp
from tuivirt.backend.live.connection import host_name_for
from tuivirt.backend.live.models import HostConfig, HostSnapshot, HostStatus
from tuivirt.backend.live.poller import HostPoller, read_facts
from tuivirt.testbed.testnode import write_node_file
from tuivirt.ui.shared.messages import HostUpdated
from tuivirt.ui.shared.widgets.domains_table import DomainsTable

SIZE = (160, 50)
TARGET_MS = 30.0


def real_snapshot(config: HostConfig) -> HostSnapshot:
    conn = libvirt.open(config.uri)
    try:
        return HostPoller(config, read_facts(conn)).tick(conn)
    finally:
        conn.close()


def unchanged(base: HostSnapshot, _sample: int) -> HostSnapshot:
    return replace(base, domains=tuple(replace(d) for d in base.domains))


def all_rows_changed(base: HostSnapshot, sample: int) -> HostSnapshot:
    return replace(
        base,
        domains=tuple(
            replace(d, cpu_pct=float((i + sample) % 97) + 0.25) for i, d in enumerate(base.domains)
        ),
    )


CASES: dict[str, Callable[[HostSnapshot, int], HostSnapshot]] = {
    "unchanged": unchanged,
    "all rows changed": all_rows_changed,
}


def only_session(app: TuivirtApp) -> Any:
    """The app's one HostSession."""
    return next(iter(app.fleet.sessions.values()))


def deliver(app: TuivirtApp, snapshot: HostSnapshot) -> None:
    """What the app does with a snapshot its host session posted, run synchronously."""
    show = getattr(app.main, "show_host", None) or app.main.on_host_updated  # type: ignore[attr-defined]
    show(HostUpdated(snapshot, only_session(app)))  # (named on_host_updated before issue 19)


def force_frame(app: TuivirtApp) -> int:
    """Render now what the screen's update timer would render next; the ANSI bytes of the frame."""
    screen = app.screen
    dirty = {w for w in screen.walk_children(Widget, with_self=True) if w._repaint_required}
    for widget in dirty:
        widget._repaint_required = False  # as Widget._check_refresh does before posting Update
    screen._compositor.update_widgets(dirty)
    update = screen._compositor.render_update(screen_stack=app._background_screens)
    if update is None:
        return 0
    assert isinstance(update, CompositorUpdate)
    return len(update.render_segments(app.console).encode())


def painted_current(table: DomainsTable) -> bool:
    return all(table._painted.get(y) == table._line_signature(y) for y in range(table.size.height))


async def measure(count: int, samples: int, warmup: int, folder: Path) -> list[list[object]]:
    path = write_node_file(folder / f"paint-{count}.xml", count)
    uri = f"test://{path}"
    config = HostConfig(host_name_for(uri), uri)
    base = real_snapshot(config)
    assert len(base.domains) == count and base.status is HostStatus.UP

    app = TuivirtApp([config], refresh=3600)
    rows: list[list[object]] = []
    async with app.run_test(size=SIZE) as pilot:
        table = app.query_one(DomainsTable)
        deadline = time.monotonic() + 60
        while table.row_count != count:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the app did not list {count} guests within 60 s")
            await pilot.pause(0.05)
        await pilot.pause()
        session_last = only_session(app)._last  # the app's own poller must stay quiet from now on
        table_show: list[float] = []
        real_show = table.show

        def timed_show(snapshot: HostSnapshot) -> None:
            t = time.perf_counter()
            real_show(snapshot)
            table_show.append(time.perf_counter() - t)

        setattr(table, "show", timed_show)  # noqa: B010 - an instance attribute shadowing the method

        frames: list[float] = []
        real_display = app._display

        def spy(screen: Screen[Any], renderable: RenderableType | None) -> None:
            if renderable is not None:
                frames.append(time.perf_counter())
            real_display(screen, renderable)

        setattr(app, "_display", spy)  # noqa: B010 - an instance attribute shadowing the method

        for case, make in CASES.items():
            for i in range(warmup):  # not timed: the app reaches its steady state (full histories)
                deliver(app, make(base, 10_000 + i))
                force_frame(app)
                await pilot.pause()
            deliver(app, make(base, 0))
            force_frame(app)
            await pilot.pause()
            table_show.clear()
            show_t: list[float] = []
            render_t: list[float] = []
            total_t: list[float] = []
            sizes: list[int] = []
            for i in range(1, samples + 1):
                snap = make(base, i)  # built untimed, one at a time: a real app holds one or two
                t0 = time.perf_counter()
                deliver(app, snap)
                t1 = time.perf_counter()
                sizes.append(force_frame(app))
                t2 = time.perf_counter()
                show_t.append(t1 - t0)
                render_t.append(t2 - t1)
                total_t.append(t2 - t0)
                if not painted_current(table):
                    raise RuntimeError("a line of the domains table was not painted from the new data")
                await pilot.pause()  # let the app handle whatever the update posted (untimed)

            frame_t: list[float] = []
            if case != "unchanged":
                for i in range(samples + 1, 2 * samples + 1):
                    snap = make(base, i)
                    await pilot.pause()
                    frames.clear()
                    t0 = time.perf_counter()
                    # As a session does: to the main screen's inbox (the screen itself before 88251cd)
                    getattr(app.main, "inbox", app.main).post_message(HostUpdated(snap, only_session(app)))
                    limit = t0 + 5
                    while not (frames and painted_current(table)):
                        if time.perf_counter() > limit:
                            raise RuntimeError("no frame painted within 5 s")
                        await asyncio.sleep(0)
                    frame_t.append(frames[-1] - t0)

            rows.append(
                [
                    count,
                    case,
                    ms(median(show_t)),
                    ms(p95(show_t)),
                    ms(median(table_show[: len(show_t)])),
                    ms(median(render_t)),
                    ms(p95(render_t)),
                    ms(median(total_t)),
                    ms(p95(total_t)),
                    f"{median(sizes):.0f}",
                    ms(median(frame_t)) if frame_t else "-",
                    ms(p95(frame_t)) if frame_t else "-",
                ]
            )
            print(f"# {count} {case} done", file=sys.stderr, flush=True)
        if only_session(app)._last is not session_last:
            raise RuntimeError("the app's own HostSession polled during the measurement")
    return rows


async def run(counts: list[int], samples: int, warmup: int) -> list[list[object]]:
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="tuivirt-paint-") as tmp:
        for count in counts:
            rows += await measure(count, samples, warmup, Path(tmp))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--counts", default="1000,5000", help="guest counts, comma separated (1000,5000)")
    parser.add_argument("--samples", type=int, default=30, help="timed ticks per case (30)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=65,
        help="untimed ticks per case first (65: the app keeps 60 of history)",
    )
    args = parser.parse_args(argv)
    rows = asyncio.run(run([int(c) for c in args.counts.split(",")], args.samples, args.warmup))
    headers = [
        "domains",
        "case",
        "handler median ms",
        "handler p95 ms",
        "of which DomainsTable.show median ms",
        "render median ms",
        "render p95 ms",
        "handler+render median ms",
        "handler+render p95 ms",
        "frame bytes",
        "to frame median ms",
        "to frame p95 ms",
    ]
    print(f"Measured: {source_note()}\n")
    print(md_table(headers, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
