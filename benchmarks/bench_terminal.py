"""The whole app in a real terminal (tmux, 160x50) through the daemon: launch time, idle cost, memory.

Every run starts ``.venv/bin/tuivirt -c test+unix:///ABS/node.xml`` (libvirt's test driver served by
libvirtd, so every call is a real RPC) in a fresh detached tmux session on a tmux server of its own
(``tmux -L tuivirt-bench``, killed at the end), and finds the tuivirt process from the pane's PID
(the command is ``exec env ... tuivirt``, so the pane's process is python running tuivirt; the
script checks its command line, and looks among its descendants otherwise).

(a) launch: at ``--launch-count`` (1,000) guests, one warm-up launch finds which guest row is the
    last one on screen once the table is painted (rows sort by name); then ``--launches`` (5)
    timed launches poll ``tmux capture-pane -p`` every ``--poll`` (20 ms) from just before
    ``tmux new-session`` until that guest's name appears. Median and p95; target <= 1.0 s.
(c) memory: in each timed launch, VmRSS of the tuivirt process (/proc/PID/status) when the table
    has painted, and again ``--rss-after`` (3) seconds later (after a poll or two); the target
    (<= 75 MB) applies to the later one.
(b) idle: at ``--idle-count`` (200) guests with ``--refresh 2``, the app runs with
    ``LIBVIRT_LOG_FILTERS=1:rpc LIBVIRT_LOG_OUTPUTS=1:file:LOG`` and ``tmux pipe-pane -o 'cat >>
    FILE'`` (every byte the app writes to the terminal); after the table painted and
    ``--settle`` (5) seconds, over ``--idle`` (60) seconds: CPU of the tuivirt process
    (utime+stime from /proc/PID/stat, as % of one core; target <= 1 %), RPC calls per minute
    (``RPC_CLIENT_MSG_TX_QUEUE`` lines with ``type=0``), bytes written to the terminal per minute
    (target <= 15 KB/min, issue 13), and libvirtd's CPU over the same window (for information).
    ``--real-guests 8`` runs this window on ``qemu:///system`` with 8 booted test guests instead
    (defined, started, then destroyed and undefined by the script): figures that move.

    .venv/bin/python benchmarks/bench_terminal.py [--launches 5] [--idle 60] [--skip-launch|--skip-idle]
"""

from __future__ import annotations

import argparse
import re
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import libvirt
from benchlib import (
    capture,
    count_rpc_calls,
    cpu_seconds,
    describe_procs,
    file_size,
    kill_session,
    launch,
    libvirt_log_env,
    libvirtd_pid,
    md_table,
    median,
    own_tmux_server,
    p95,
    raise_exit,
    rss_mib,
    source_note,
    tmux,
    tuivirt_pid,
    wait_for,
    wait_stable,
)

from tuivirt.testbed import testguest
from tuivirt.testbed.testnode import write_node_file

SYSTEM_URI = "qemu:///system"
LAUNCH_TARGET_S = 1.0
RSS_TARGET_MB = 75.0
CPU_TARGET_PCT = 1.0
BYTES_TARGET_PER_MIN = 15_000  # 15 KB, read strictly as 15,000 bytes
GUEST = re.compile(r"guest-(\d{4})")


@dataclass
class Launches:
    times: list[float]
    rss_painted: list[float]
    rss_later: list[float]
    marker: str


def bench_launch(uri: str, count: int, launches: int, poll: float, rss_after: float) -> Launches:
    # Warm-up: fills the page cache and the daemon's side, and tells which row is last on screen.
    session = "bench-warmup"
    launch(session, [uri], 2.0, {})
    warm_pid = tuivirt_pid(session)
    try:
        wait_for(session, "guest-0000", poll)
        screen = wait_stable(session)
    finally:
        kill_session(session, warm_pid)
    seen = sorted(int(n) for n in GUEST.findall(screen))
    if not seen or seen[0] != 0 or seen[-1] >= count:
        raise RuntimeError(f"unexpected first screen:\n{screen}")
    marker = f"guest-{seen[-1]:04d}"
    print(f"# launch: the last guest on a painted screen is {marker}", file=sys.stderr, flush=True)

    result = Launches([], [], [], marker)
    for i in range(launches):
        session = f"bench-launch-{i}"
        time.sleep(1.0)  # let the previous process's exit and the daemon settle
        t0 = time.perf_counter()
        launch(session, [uri], 2.0, {})
        pid: int | None = None
        try:
            t1 = wait_for(session, marker, poll)
            pid = tuivirt_pid(session)
            result.rss_painted.append(rss_mib(pid))
            time.sleep(rss_after)
            result.rss_later.append(rss_mib(pid))
            result.times.append(t1 - t0)
        finally:
            kill_session(session, pid)
        print(f"# launch {i + 1}: {t1 - t0:.3f} s", file=sys.stderr, flush=True)
    return result


@dataclass
class Idle:
    seconds: float
    cpu_pct: float
    daemon_cpu_pct: float | None
    calls_per_min: float
    procs: str
    bytes_per_min: float
    rss: float


def bench_idle(
    uri: str, folder: Path, settle: float, window: float, poll: float, marker: str = "guest-0000"
) -> Idle:
    log_file, pipe_file = folder / "idle-rpc.log", folder / "idle-pane.out"
    session = "bench-idle"
    launch(session, [uri], 2.0, libvirt_log_env(log_file))
    pid: int | None = None
    try:
        pid = tuivirt_pid(session)
        wait_for(session, marker, poll)
        tmux("pipe-pane", "-o", "-t", session, f"cat >> {shlex.quote(str(pipe_file))}")
        time.sleep(settle)
        daemon = libvirtd_pid()
        cpu0, daemon0 = cpu_seconds(pid), cpu_seconds(daemon) if daemon else 0.0
        log0, pipe0, t0 = file_size(log_file), file_size(pipe_file), time.monotonic()
        time.sleep(window)
        cpu1, daemon1 = cpu_seconds(pid), cpu_seconds(daemon) if daemon else 0.0
        log1, pipe1, t1 = file_size(log_file), file_size(pipe_file), time.monotonic()
        rss = rss_mib(pid)
        screen = capture(session)
        # Self-check of the byte count: a key that moves the cursor must reach the pipe.
        tmux("send-keys", "-t", session, "Down")
        time.sleep(1.0)
        pipe_check = file_size(pipe_file) - pipe1
    finally:
        kill_session(session, pid)
    if marker not in screen:
        raise RuntimeError(f"the app's screen changed during the idle window:\n{screen}")
    if pipe_check <= 0:
        raise RuntimeError("tmux pipe-pane saw nothing after a key press: the byte count is broken")
    print(f"# pipe-pane self-check: {pipe_check} bytes after pressing Down", file=sys.stderr, flush=True)
    seconds = t1 - t0
    calls, procs = count_rpc_calls(log_file, log0, log1)
    return Idle(
        seconds=seconds,
        cpu_pct=100 * (cpu1 - cpu0) / seconds,
        daemon_cpu_pct=100 * (daemon1 - daemon0) / seconds if daemon else None,
        calls_per_min=calls * 60 / seconds,
        procs=describe_procs(procs, seconds / 60),
        bytes_per_min=(pipe1 - pipe0) * 60 / seconds,
        rss=rss,
    )


@contextmanager
def real_guests(count: int) -> Iterator[str]:
    """``count`` booted test guests on qemu:///system for the window (removed after); the name
    of the first, which the table shows first when sorted by name."""
    conn = libvirt.open(SYSTEM_URI)
    images = testguest.build()
    names = [f"bench-real-{i:02d}" for i in range(count)]
    try:
        for name in names:
            testguest.define(conn, name, images).create()
        time.sleep(20)  # past the boot, whose CPU would dominate the window
        yield names[0]
    finally:
        for name in names:
            with suppress(libvirt.libvirtError):
                dom = conn.lookupByName(name)
                if dom.isActive():
                    dom.destroy()
                dom.undefine()
        conn.close()


def verdict(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--launch-count", type=int, default=1000, help="guests for launch and memory")
    parser.add_argument("--launches", type=int, default=5, help="timed launches (5)")
    parser.add_argument("--rss-after", type=float, default=3.0, help="seconds after paint for RSS (3)")
    parser.add_argument("--idle-count", type=int, default=200, help="guests for the idle window (200)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before the idle window (5)")
    parser.add_argument("--idle", type=float, default=60.0, help="idle window in seconds (60)")
    parser.add_argument("--poll", type=float, default=0.02, help="capture-pane interval (0.02 s)")
    parser.add_argument(
        "--real-guests",
        type=int,
        default=0,
        help="idle window on qemu:///system with this many booted test guests instead of the test driver",
    )
    parser.add_argument("--skip-launch", action="store_true")
    parser.add_argument("--skip-idle", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, raise_exit)
    signal.signal(signal.SIGHUP, raise_exit)

    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory(prefix="tuivirt-term-") as tmp, own_tmux_server():
        folder = Path(tmp)
        if not args.skip_launch:
            node = write_node_file(folder / f"term-{args.launch_count}.xml", args.launch_count)
            got = bench_launch(
                f"test+unix://{node}", args.launch_count, args.launches, args.poll, args.rss_after
            )
            t_med, rss_med = median(got.times), median(got.rss_later)
            rows += [
                [
                    f"launch to {got.marker} painted, {args.launch_count} guests",
                    f"{t_med:.3f} s",
                    f"{p95(got.times):.3f} s",
                    f"<= {LAUNCH_TARGET_S} s",
                    verdict(t_med <= LAUNCH_TARGET_S),
                ],
                [
                    f"VmRSS when painted, {args.launch_count} guests",
                    f"{median(got.rss_painted):.1f} MiB",
                    f"{p95(got.rss_painted):.1f} MiB",
                    "-",
                    "-",
                ],
                [
                    f"VmRSS {args.rss_after:g} s after paint, {args.launch_count} guests",
                    f"{rss_med:.1f} MiB",
                    f"{p95(got.rss_later):.1f} MiB",
                    f"<= {RSS_TARGET_MB:g} MB ({RSS_TARGET_MB / 1.048576:.1f} MiB)",
                    verdict(rss_med * 1.048576 <= RSS_TARGET_MB),
                ],
            ]
            times = ", ".join(f"{t:.3f}" for t in got.times)
            print(f"# launch times (s): {times}", file=sys.stderr, flush=True)
        if not args.skip_idle:
            if args.real_guests:
                with real_guests(args.real_guests) as first:
                    idle = bench_idle(SYSTEM_URI, folder, args.settle, args.idle, args.poll, first)
                n = f"{args.real_guests} real"
            else:
                node = write_node_file(folder / f"term-{args.idle_count}.xml", args.idle_count)
                idle = bench_idle(f"test+unix://{node}", folder, args.settle, args.idle, args.poll)
                n = args.idle_count
            daemon = "-" if idle.daemon_cpu_pct is None else f"{idle.daemon_cpu_pct:.2f} %"
            rows += [
                [
                    f"idle CPU of tuivirt, {n} guests, --refresh 2",
                    f"{idle.cpu_pct:.2f} %",
                    "-",
                    f"<= {CPU_TARGET_PCT:g} %",
                    verdict(idle.cpu_pct <= CPU_TARGET_PCT),
                ],
                [f"idle RPC calls per minute, {n} guests", f"{idle.calls_per_min:.0f}", "-", "-", "-"],
                [f"idle RPC calls per minute by procedure, {n} guests", idle.procs, "-", "-", "-"],
                [
                    f"idle bytes to the terminal per minute, {n} guests",
                    f"{idle.bytes_per_min:.0f} B",
                    "-",
                    "<= 15 KB (15,000 B)",
                    verdict(idle.bytes_per_min <= BYTES_TARGET_PER_MIN),
                ],
                [f"idle libvirtd CPU (information), {n} guests", daemon, "-", "-", "-"],
                [f"VmRSS after the idle window, {n} guests", f"{idle.rss:.1f} MiB", "-", "-", "-"],
            ]
            print(f"# idle window: {idle.seconds:.1f} s", file=sys.stderr, flush=True)
    print(f"Measured: {source_note()}\n")
    print(md_table(["figure", "median", "p95", "target", "result"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
