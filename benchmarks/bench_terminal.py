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
    (target <= 30 KB/min), and libvirtd's CPU over the same window (for information).

    .venv/bin/python benchmarks/bench_terminal.py [--launches 5] [--idle 60] [--skip-launch|--skip-idle]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from benchlib import (
    TUIVIRT_BIN,
    count_rpc_calls,
    describe_procs,
    file_size,
    libvirt_log_env,
    md_table,
    median,
    p95,
    source_note,
)

from tuivirt.backend.testnode import write_node_file

SOCKET = "tuivirt-bench"
WIDTH, HEIGHT = 160, 50
LAUNCH_TARGET_S = 1.0
RSS_TARGET_MB = 75.0
CPU_TARGET_PCT = 1.0
BYTES_TARGET_PER_MIN = 30_000  # 30 KB, read strictly as 30,000 bytes
CLK_TCK = os.sysconf("SC_CLK_TCK")
GUEST = re.compile(r"guest-(\d{4})")


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=True, timeout=30
    ).stdout


def capture(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def kill_session(session: str, pid: int | None) -> None:
    """Close the session (tuivirt gets SIGHUP) and wait until its process is gone."""
    subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", session], capture_output=True, check=False)
    if pid is None:
        return
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if Path(f"/proc/{pid}").exists():  # our own process, by its PID
        os.kill(pid, signal.SIGKILL)


def launch(session: str, uri: str, refresh: float, env: Mapping[str, str]) -> None:
    """Start tuivirt in a new detached 160x50 session; ``exec`` so the pane's process is tuivirt."""
    assigns = [f"{k}={v}" for k, v in env.items()]
    if "PYTHONPATH" in os.environ:  # the tmux server's environment may predate ours
        assigns.append(f"PYTHONPATH={os.environ['PYTHONPATH']}")
    command = shlex.join(["env", *assigns, str(TUIVIRT_BIN), "-c", uri, "--refresh", f"{refresh:g}"])
    tmux("new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT), f"exec {command}")


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def tuivirt_pid(session: str, timeout: float = 10) -> int:
    """The python process running tuivirt: the pane's process, or one of its descendants."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pane = int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip())
        todo = [pane]
        while todo:
            pid = todo.pop(0)
            args = _cmdline(pid)
            if any("python" in Path(a).name for a in args[:1]) and any(a.endswith("tuivirt") for a in args):
                return pid
            todo += _children(pid)
        time.sleep(0.02)
    raise RuntimeError(f"no tuivirt python process under the pane of {session}")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` (all its threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of proc(5)


def libvirtd_pid() -> int | None:
    try:
        return int(Path("/run/libvirtd.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def wait_for(session: str, text: str, poll: float, timeout: float = 60) -> float:
    """Poll the pane until ``text`` shows; the perf_counter time it was first seen."""
    deadline = time.perf_counter() + timeout
    while True:
        if text in capture(session):
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{text!r} not on screen within {timeout} s:\n{capture(session)}")
        time.sleep(poll)


def wait_stable(session: str, seconds: float = 1.0, timeout: float = 60) -> str:
    """The pane's text once it has not changed for ``seconds``."""
    deadline = time.monotonic() + timeout
    last, since = capture(session), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = capture(session)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return now
    raise RuntimeError(f"the screen of {session} never settled")


@dataclass
class Launches:
    times: list[float]
    rss_painted: list[float]
    rss_later: list[float]
    marker: str


def bench_launch(uri: str, count: int, launches: int, poll: float, rss_after: float) -> Launches:
    # Warm-up: fills the page cache and the daemon's side, and tells which row is last on screen.
    session = "bench-warmup"
    launch(session, uri, 2.0, {})
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
        launch(session, uri, 2.0, {})
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


def bench_idle(uri: str, folder: Path, settle: float, window: float, poll: float) -> Idle:
    log_file, pipe_file = folder / "idle-rpc.log", folder / "idle-pane.out"
    session = "bench-idle"
    launch(session, uri, 2.0, libvirt_log_env(log_file))
    pid: int | None = None
    try:
        pid = tuivirt_pid(session)
        wait_for(session, "guest-0000", poll)
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
    if "guest-0000" not in screen:
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
def own_tmux_server() -> Iterator[None]:
    subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True, check=False)
    try:
        yield
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True, check=False)


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # runs the finally blocks: the tmux server goes


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
    parser.add_argument("--skip-launch", action="store_true")
    parser.add_argument("--skip-idle", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGHUP, _raise_exit)

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
                    "<= 30 KB (30,000 B)",
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
