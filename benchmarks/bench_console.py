"""Console pane: keystroke-to-echo latency, and output throughput while the UI stays responsive.

Needs the real daemon and the test guest (scripts/setup-host.sh). Runs the app headless
(Textual's run_test) with a real guest booted by direct kernel boot under TCG:

    .venv/bin/python benchmarks/bench_console.py [--keys 100] [--lines 200000]

Latency: a printable key pressed in the pane (Pilot) until the guest's echo of it is on the
pane's emulated screen (the pyte screen the pane draws from). Throughput: `seq 1 N` in the
guest, bytes the pane received over the time from the command to the prompt coming back;
meanwhile F11 (full screen, handled by the app itself) is pressed every 200 ms and the time
until the app has applied it is recorded.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

import libvirt
from textual import events
from textual.pilot import Pilot

from tuivirt.app import TuivirtApp
from tuivirt.backend import testguest
from tuivirt.backend.console import ConsoleState
from tuivirt.backend.models import HostConfig
from tuivirt.ui.console_pane import ConsolePane
from tuivirt.ui.domains_table import row_key

URI = "qemu:///system"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def until(pilot: Pilot[None], predicate: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        await asyncio.sleep(0.001)


async def run(name: str, uuid_str: str, keys: int, lines: int) -> None:
    app = TuivirtApp([HostConfig("localhost", URI)], refresh=2)
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.main.table
        key = row_key(URI, uuid_str)
        await until(pilot, lambda: table.item(key) is not None, 20)
        table.select_key(key)
        await pilot.press("c")
        pane = app.main.dock.pane_for(key)
        assert isinstance(pane, ConsolePane)
        await until(pilot, lambda: pane.state is ConsoleState.ATTACHED, 20)
        while testguest.PROMPT.strip() not in pane.emulator.text():
            await pilot.press("enter")
            await pilot.pause(1)

        # Keys are posted as the terminal driver posts them, and waited for with plain sleeps:
        # Pilot's own waits are for the screen to go idle, which is not what a user waits for.
        latencies = []
        for i in range(keys):
            char = "abcdefghij"[i % 10]
            before = pane.emulator.text().count(char)
            started = time.perf_counter()
            app.post_message(events.Key(char, char))
            await until(pilot, lambda c=char, b=before: pane.emulator.text().count(c) > b, 5)
            latencies.append((time.perf_counter() - started) * 1000)
        await pilot.press("ctrl+u")  # clear the typed line

        received = 0
        feed = pane._from_guest

        def counting(data: bytes) -> None:
            nonlocal received
            received += len(data)
            feed(data)

        pane.session._on_output = counting
        await pilot.press(*f"seq 1 {lines}", "enter")
        started = time.perf_counter()
        key_latencies = []
        last = str(lines)
        while not any(line.strip() == last for line in pane.emulator.text().splitlines()):
            await asyncio.sleep(0.2)
            full = app.main.has_class("-console-full")
            pressed = time.perf_counter()
            app.post_message(events.Key("f11", None))
            await until(pilot, lambda f=full: app.main.has_class("-console-full") != f, 10)
            key_latencies.append((time.perf_counter() - pressed) * 1000)
        seconds = time.perf_counter() - started
        await pilot.press("ctrl+right_square_bracket")
        await app.workers.wait_for_complete()

    print("| figure | median | p95 | n |")
    print("| --- | --- | --- | --- |")
    print(
        f"| keystroke to echo on the pane (ms) | {statistics.median(latencies):.1f} "
        f"| {percentile(latencies, 0.95):.1f} | {len(latencies)} |"
    )
    print(
        f"| app key (F11) during `seq 1 {lines}` (ms) | {statistics.median(key_latencies):.1f} "
        f"| {percentile(key_latencies, 0.95):.1f} (max {max(key_latencies):.1f}) | {len(key_latencies)} |"
    )
    print(
        f"| output rendered: {received / 1024:.0f} KiB in {seconds:.1f} s "
        f"| {received / 1024 / seconds:.0f} KiB/s | | 1 |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keys", type=int, default=100)
    parser.add_argument("--lines", type=int, default=200_000)
    args = parser.parse_args()
    conn = libvirt.open(URI)
    name = f"tuivirt-bench-console-{uuid.uuid4().hex[:6]}"
    dom = testguest.define(conn, name)
    try:
        dom.create()
        asyncio.run(run(name, dom.UUIDString(), args.keys, args.lines))
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
        conn.close()


if __name__ == "__main__":
    main()
