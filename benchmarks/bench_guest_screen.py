"""`V` (or `L`) left open over the guests table: what it costs over SSH, in tmux at 160x50.

A test guest with a VGA card (``tuivirt-bench-vga``) is defined on ``qemu:///system``, started and
given ``--boot-wait`` seconds, so that its screen holds still. tuivirt starts in a detached tmux
session on the benchmarks' own tmux server; the guest is filtered to (``/``), ``V`` opens its screen,
and once the first screenshot shows and ``--settle`` seconds passed, ``tmux pipe-pane`` counts every
byte the app writes to the terminal over ``--window`` seconds, with the CPU of the tuivirt process
(utime + stime). The screen takes a screenshot every 5 s. ``--open L`` opens the event log instead
(the guests table ticking underneath every 2 s is what it measures then). The guest is destroyed
and undefined at the end, on failure and on SIGTERM too.

    .venv/bin/python benchmarks/bench_guest_screen.py [--open V|L] [--window 60] [--settle 8] [--boot-wait 10]
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import signal
import tempfile
import time
from pathlib import Path

import libvirt
from benchlib import (
    cpu_seconds,
    file_size,
    kill_session,
    launch,
    md_table,
    own_tmux_server,
    raise_exit,
    source_note,
    tmux,
    tuivirt_pid,
    wait_for,
)

from tuivirt.testbed import testguest

URI = "qemu:///system"
GUEST = "tuivirt-bench-vga"


def measure(key: str, window: float, settle: float, state: Path) -> tuple[float, float]:
    """Bytes a minute to the terminal and CPU % of one core, with ``key``'s screen open."""
    session = "screen"
    launch(session, [URI], 2.0, {"XDG_STATE_HOME": str(state), "XDG_CONFIG_HOME": str(state)})
    pid = tuivirt_pid(session)
    try:
        wait_for(session, GUEST, 0.1)
        tmux("send-keys", "-t", session, "/", *GUEST, "Enter")
        time.sleep(1)
        tmux("send-keys", "-t", session, key)
        wait_for(session, "taken " if key == "V" else " events", 0.1, timeout=30)
        pipe = state / "pipe.out"
        tmux("pipe-pane", "-o", "-t", session, f"cat >> {shlex.quote(str(pipe))}")
        time.sleep(settle)
        cpu0, bytes0, t0 = cpu_seconds(pid), file_size(pipe), time.monotonic()
        time.sleep(window)
        cpu1, bytes1, t1 = cpu_seconds(pid), file_size(pipe), time.monotonic()
        minutes = (t1 - t0) / 60
        return (bytes1 - bytes0) / minutes, 100 * (cpu1 - cpu0) / (t1 - t0)
    finally:
        kill_session(session, pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", choices=["V", "L"], default="V", help="the screen left open")
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured")
    parser.add_argument("--settle", type=float, default=8.0, help="seconds after the first screenshot")
    parser.add_argument("--boot-wait", type=float, default=10.0, help="seconds for the guest to boot")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, raise_exit)
    conn = libvirt.open(URI)
    dom = testguest.define(conn, GUEST, video=True, network=None)
    try:
        dom.create()
        time.sleep(args.boot_wait)
        with own_tmux_server(), tempfile.TemporaryDirectory() as state:
            per_minute, cpu = measure(args.open, args.window, args.settle, Path(state))
        print(f"Measured: {source_note()}")
        rows = [[args.open, f"{per_minute / 1024:.1f} KB", f"{cpu:.1f} %"]]
        print(md_table(["open", "bytes to the terminal a minute", "tuivirt CPU (one core)"], rows))
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            dom.destroy()
        dom.undefine()
        conn.close()


if __name__ == "__main__":
    main()
