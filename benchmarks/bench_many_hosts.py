"""Ten hosts through the daemon: tick time per host, launch to all hosts painted, idle cost.

    .venv/bin/python benchmarks/bench_many_hosts.py [--hosts 10] [--guests 200] [--idle 60] [--quick]

Every host is a node file of libvirt's test driver with ``--guests`` (200) guests, opened as
``test+unix:///ABS/host-NN.xml``: served by libvirtd, so every call is a real RPC. All hosts use
the same guest names (guest-0000 …), as clones would; the app keys rows by host and UUID.

(1) ticks, in this process: one connection and one ``HostPoller`` per host. The first tick of
    each host (cold: the test driver's bulk stats carry no vCPU or memory, so ``info()`` is called
    once per guest) is timed on its own; after ``--warmup`` (3) rounds, ``--rounds`` (20) rounds:
    (a) sequential: the hosts tick one after another; per-host tick time and the round's total;
        each tick is paired with a bare ``getAllDomainStats`` call on the same host (the floor:
        the one bulk RPC and its unmarshalling, without the rest of the tick);
    (b) concurrent: one thread per host, as in the app, all released together by a barrier each
        round; per-host tick time and the round's wall time (first start to last end).
(2) launch: ``tuivirt -c URI1 … -c URI10 --refresh 2`` in a fresh detached tmux session (160x50,
    ``tmux -L tuivirt-bench``), after one warm-up launch; ``--launches`` (5) timed launches poll
    ``tmux capture-pane -p`` every ``--poll`` (20 ms) from just before ``tmux new-session`` until
    every host has painted. The hosts table shows only its first six rows, so the criterion is the
    guests table: rows sort by name, then host, so the first screen starts with the ten rows
    ``guest-0000`` (one per host, Host column ``host-NN``); all ten on screen means every host's
    snapshot reached the table. Also recorded: when the first such row showed.
(3) idle: the app runs as in (2) with ``LIBVIRT_LOG_FILTERS=1:rpc`` (RPC log) and ``tmux pipe-pane``
    (every byte written to the terminal); after all hosts painted and ``--settle`` (5) seconds,
    over ``--idle`` (60) seconds: CPU of the tuivirt process (utime+stime of all its threads from
    /proc/PID/stat, % of one core), RPC calls per minute, bytes to the terminal per minute
    (self-checked afterwards: pressing Down must reach the pipe), libvirtd's CPU (information)
    and VmRSS after the window.

``--quick`` (for trying things out): 5 rounds, 2 launches, a 10 s idle window. Throughout, libvirtd
is watched for the stopped state (tuivirt's integration tests SIGSTOP it); if seen, the script says
so under the table and exits with status 1. Temporary node files and the tmux server are removed at
the end, also on failure, Ctrl+C, SIGTERM and SIGHUP.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
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
    ms,
    own_tmux_server,
    p95,
    raise_exit,
    rss_mib,
    source_note,
    tmux,
    tuivirt_pid,
    wait_stable,
    wait_until,
)

from tuivirt.backend.live.connection import host_name_for, open_connection
from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.live.poller import STATS_GROUPS, HostPoller, read_facts
from tuivirt.testbed.testnode import write_node_file

REFRESH = 2.0  # the app's default, passed explicitly so a user's config file cannot change it
FIRST_ROW = "guest-0000"
HOST_NAME = re.compile(r"\bhost-\d{2}\b")


def log(message: str) -> None:
    print(f"# {message}", file=sys.stderr, flush=True)


def write_hosts(folder: Path, hosts: int, guests: int) -> list[str]:
    """One node file per host; the file's stem (host-NN) is the host's name in the app."""
    return [f"test+unix://{write_node_file(folder / f'host-{i:02d}.xml', guests)}" for i in range(hosts)]


# -- (1) ticks ---------------------------------------------------------------------------------


@dataclass
class Host:
    conn: libvirt.virConnect
    poller: HostPoller

    def timed_tick(self) -> tuple[float, float]:
        """perf_counter at the start and at the end of one tick."""
        t0 = time.perf_counter()
        self.poller.tick(self.conn)
        return t0, time.perf_counter()

    def timed_floor(self) -> float:
        """Seconds of the tick's bulk stats call alone."""
        t0 = time.perf_counter()
        self.conn.getAllDomainStats(STATS_GROUPS, 0)
        return time.perf_counter() - t0


@dataclass
class Ticks:
    first: list[float] = field(default_factory=list)  # each host's cold first tick
    sequential: list[float] = field(default_factory=list)  # per-host tick times
    sequential_rounds: list[float] = field(default_factory=list)  # all hosts, one after another
    floor: list[float] = field(default_factory=list)  # getAllDomainStats alone, per host
    concurrent: list[float] = field(default_factory=list)  # per-host tick times, all at once
    concurrent_rounds: list[float] = field(default_factory=list)  # first start to last end
    domains: int = 0


@contextmanager
def open_hosts(uris: list[str]) -> Iterator[list[Host]]:
    conns: list[libvirt.virConnect] = []
    try:
        for uri in uris:
            conns.append(open_connection(uri))
        yield [
            Host(conn, HostPoller(HostConfig(host_name_for(uri), uri), read_facts(conn)))
            for conn, uri in zip(conns, uris, strict=True)
        ]
    finally:
        for conn in conns:
            conn.close()


def tick_concurrently(hosts: list[Host], rounds: int) -> list[list[tuple[float, float]]]:
    """``rounds`` rounds of one tick per host, each host on a thread of its own; a barrier starts
    every round on all threads at once (the worst case of the app's independent timers).
    Returns, per round, each host's (start, end)."""
    barrier = threading.Barrier(len(hosts), timeout=120)

    def run(host: Host) -> list[tuple[float, float]]:
        spans = []
        try:
            for _ in range(rounds):
                barrier.wait()
                spans.append(host.timed_tick())
        except BaseException:
            barrier.abort()  # the other threads stop waiting and fail too
            raise
        return spans

    with ThreadPoolExecutor(max_workers=len(hosts), thread_name_prefix="tick") as pool:
        per_host = [future.result() for future in [pool.submit(run, host) for host in hosts]]
    return [list(spans) for spans in zip(*per_host, strict=True)]


def bench_ticks(uris: list[str], warmup: int, rounds: int) -> Ticks:
    result = Ticks()
    with open_hosts(uris) as hosts:
        for host in hosts:
            t0 = time.perf_counter()
            result.domains += len(host.poller.tick(host.conn).domains)
            result.first.append(time.perf_counter() - t0)
        for _ in range(warmup):
            for host in hosts:
                host.poller.tick(host.conn)
        for _ in range(rounds):
            spans = [host.timed_tick() for host in hosts]
            result.sequential += [end - start for start, end in spans]
            result.sequential_rounds.append(spans[-1][1] - spans[0][0])
            result.floor += [host.timed_floor() for host in hosts]
        for spans in tick_concurrently(hosts, rounds):
            result.concurrent += [end - start for start, end in spans]
            result.concurrent_rounds.append(max(e for _, e in spans) - min(s for s, _ in spans))
    return result


def ms_pair(values: list[float]) -> list[object]:
    """Median and p95 cells."""
    return [f"{ms(median(values))} ms", f"{ms(p95(values))} ms"]


def tick_rows(ticks: Ticks, hosts: int, guests: int) -> list[list[object]]:
    per = f"{hosts} hosts x {guests} guests"
    return [
        ["first (cold) tick per host", *ms_pair(ticks.first)],
        [f"tick per host, sequential, {per}", *ms_pair(ticks.sequential)],
        ["of which floor: bare getAllDomainStats per host", *ms_pair(ticks.floor)],
        [f"all {hosts} hosts one after another (round)", *ms_pair(ticks.sequential_rounds)],
        [f"tick per host, concurrent (one thread per host), {per}", *ms_pair(ticks.concurrent)],
        [f"all {hosts} hosts at once (round wall time)", *ms_pair(ticks.concurrent_rounds)],
    ]


# -- (2) launch --------------------------------------------------------------------------------


def hosts_painted(screen: str) -> set[str]:
    """Hosts with their guest-0000 row on screen (only guests-table lines hold a guest name)."""
    return {name for line in screen.splitlines() if FIRST_ROW in line for name in HOST_NAME.findall(line)}


def all_painted(hosts: int) -> Callable[[str], bool]:
    """Every host up: the hosts pane's summary line says so (newer trees), or each host's
    guest-0000 row is on screen (older trees, up to the ~40 hosts whose rows fit)."""
    summary = f"{hosts} host{'s' if hosts != 1 else ''}: {hosts} up"
    return lambda screen: summary in screen or len(hosts_painted(screen)) == hosts


@dataclass
class Launches:
    first: list[float] = field(default_factory=list)  # launch to the first host painted
    all: list[float] = field(default_factory=list)  # launch to every host painted


def timed_launch(session: str, uris: list[str], poll: float) -> tuple[float, float]:
    """Seconds from just before ``tmux new-session`` to the first host and to all hosts painted."""
    t0 = time.perf_counter()
    launch(session, uris, REFRESH, {})
    pid: int | None = None
    try:
        t_first = wait_until(session, lambda screen: FIRST_ROW in screen, poll)
        t_all = wait_until(session, all_painted(len(uris)), poll)
        pid = tuivirt_pid(session)
    finally:
        kill_session(session, pid)
    return t_first - t0, t_all - t0


def bench_launch(uris: list[str], launches: int, poll: float) -> Launches:
    # Warm-up: fills the page cache and the daemon's side; checks the criterion on a settled screen.
    session = "bench-warmup"
    launch(session, uris, REFRESH, {})
    warm_pid = tuivirt_pid(session)
    try:
        wait_until(session, all_painted(len(uris)), poll)
        screen = wait_stable(session)
    finally:
        kill_session(session, warm_pid)
    log(f"warm-up: hosts with {FIRST_ROW} on screen: {sorted(hosts_painted(screen))}")

    result = Launches()
    for i in range(launches):
        time.sleep(1.0)  # let the previous process's exit and the daemon settle
        first, every = timed_launch(f"bench-launch-{i}", uris, poll)
        result.first.append(first)
        result.all.append(every)
        log(f"launch {i + 1}: first host {first:.3f} s, all {len(uris)} hosts {every:.3f} s")
    return result


# -- (3) idle ----------------------------------------------------------------------------------


@dataclass
class Sample:
    """Cumulative counters at one moment of the idle window."""

    at: float
    cpu: float
    daemon_cpu: float
    log_bytes: int
    pipe_bytes: int

    @classmethod
    def take(cls, pid: int, daemon: int | None, log_file: Path, pipe_file: Path) -> Sample:
        return cls(
            at=time.monotonic(),
            cpu=cpu_seconds(pid),
            daemon_cpu=cpu_seconds(daemon) if daemon else 0.0,
            log_bytes=file_size(log_file),
            pipe_bytes=file_size(pipe_file),
        )


@dataclass
class Idle:
    seconds: float
    cpu_pct: float
    daemon_cpu_pct: float | None
    calls_per_min: float
    procs: str
    bytes_per_min: float
    rss: float


def bench_idle(uris: list[str], folder: Path, settle: float, window: float, poll: float) -> Idle:
    log_file, pipe_file = folder / "idle-rpc.log", folder / "idle-pane.out"
    session = "bench-idle"
    launch(session, uris, REFRESH, libvirt_log_env(log_file))
    pid: int | None = None
    try:
        pid = tuivirt_pid(session)
        wait_until(session, all_painted(len(uris)), poll)
        tmux("pipe-pane", "-o", "-t", session, f"cat >> {shlex.quote(str(pipe_file))}")
        time.sleep(settle)
        daemon = libvirtd_pid()
        before = Sample.take(pid, daemon, log_file, pipe_file)
        time.sleep(window)
        after = Sample.take(pid, daemon, log_file, pipe_file)
        rss = rss_mib(pid)
        screen = capture(session)
        # Self-check of the byte count (0 B is the expected figure): a key that moves the cursor
        # must reach the pipe.
        tmux("send-keys", "-t", session, "Down")
        time.sleep(1.0)
        pipe_check = file_size(pipe_file) - after.pipe_bytes
    finally:
        kill_session(session, pid)
    if not all_painted(len(uris))(screen) or re.search(r"\bdown[,:]", screen):
        raise RuntimeError(f"the app's screen changed during the idle window:\n{screen}")
    if pipe_check <= 0:
        raise RuntimeError("tmux pipe-pane saw nothing after a key press: the byte count is broken")
    log(f"pipe-pane self-check: {pipe_check} bytes after pressing Down")
    seconds = after.at - before.at
    calls, procs = count_rpc_calls(log_file, before.log_bytes, after.log_bytes)
    return Idle(
        seconds=seconds,
        cpu_pct=100 * (after.cpu - before.cpu) / seconds,
        daemon_cpu_pct=100 * (after.daemon_cpu - before.daemon_cpu) / seconds if daemon else None,
        calls_per_min=calls * 60 / seconds,
        procs=describe_procs(procs, seconds / 60),
        bytes_per_min=(after.pipe_bytes - before.pipe_bytes) * 60 / seconds,
        rss=rss,
    )


def idle_rows(idle: Idle, hosts: int) -> list[list[object]]:
    ticks_per_min = hosts * 60 / REFRESH
    daemon = "-" if idle.daemon_cpu_pct is None else f"{idle.daemon_cpu_pct:.2f} %"
    return [
        [f"idle CPU of tuivirt, --refresh {REFRESH:g}, {idle.seconds:.0f} s", f"{idle.cpu_pct:.2f} %", "-"],
        [
            "idle RPC calls per minute (per host tick)",
            f"{idle.calls_per_min:.0f} ({idle.calls_per_min / ticks_per_min:.2f})",
            "-",
        ],
        ["idle RPC calls per minute by procedure", idle.procs, "-"],
        ["idle bytes to the terminal per minute", f"{idle.bytes_per_min:.0f} B", "-"],
        ["idle libvirtd CPU (information)", daemon, "-"],
        ["VmRSS after the idle window", f"{idle.rss:.1f} MiB", "-"],
    ]


# -- main --------------------------------------------------------------------------------------


@contextmanager
def watch_daemon_stops(period: float = 0.1) -> Iterator[list[float]]:
    """Yields a list that gets the monotonic times libvirtd was seen stopped (state T: SIGSTOP,
    as tuivirt's integration tests do to simulate a frozen host); such a run is not valid."""
    seen: list[float] = []
    done = threading.Event()
    daemon = libvirtd_pid()

    def watch() -> None:
        while daemon is not None and not done.wait(period):
            try:
                stat = Path(f"/proc/{daemon}/stat").read_text()
            except OSError:
                return
            if stat[stat.rindex(")") + 2] in "Tt":
                seen.append(time.monotonic())

    thread = threading.Thread(target=watch, name="watch libvirtd", daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        done.set()
        thread.join()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--hosts", type=int, default=10, help="hosts (10)")
    parser.add_argument("--guests", type=int, default=200, help="guests per host (200)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed tick rounds (3)")
    parser.add_argument("--rounds", type=int, default=20, help="timed tick rounds, each way (20)")
    parser.add_argument("--launches", type=int, default=5, help="timed launches (5)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds before the idle window (5)")
    parser.add_argument("--idle", type=float, default=60.0, help="idle window in seconds (60)")
    parser.add_argument("--poll", type=float, default=0.02, help="capture-pane interval (0.02 s)")
    parser.add_argument("--quick", action="store_true", help="5 rounds, 2 launches, 10 s idle")
    for part in ("ticks", "launch", "idle"):
        parser.add_argument(f"--skip-{part}", action="store_true")
    args = parser.parse_args(argv)
    if args.hosts > 100:
        parser.error("--hosts: at most 100 (host names are host-NN)")
    if args.quick:
        args.rounds, args.launches, args.idle = 5, 2, 10.0
    return args


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, raise_exit)
    signal.signal(signal.SIGHUP, raise_exit)
    load_before = load_average()  # on two cores, anything else running shows in the figures
    n = args.hosts
    rows: list[list[object]] = []
    with (
        tempfile.TemporaryDirectory(prefix="tuivirt-hosts-") as tmp,
        own_tmux_server(),
        watch_daemon_stops() as stops,
    ):
        folder = Path(tmp)
        uris = write_hosts(folder, n, args.guests)
        if not args.skip_ticks:
            ticks = bench_ticks(uris, args.warmup, args.rounds)
            if ticks.domains != n * args.guests:
                raise RuntimeError(f"{ticks.domains} guests ticked, expected {n * args.guests}")
            rows += tick_rows(ticks, n, args.guests)
        if not args.skip_launch:
            got = bench_launch(uris, args.launches, args.poll)
            rows += [
                [f"launch to all {n} hosts painted", f"{median(got.all):.3f} s", f"{p95(got.all):.3f} s"],
                ["launch to the first host painted", f"{median(got.first):.3f} s", f"{p95(got.first):.3f} s"],
            ]
            log("launch to all hosts (s): " + ", ".join(f"{t:.3f}" for t in got.all))
        if not args.skip_idle:
            rows += idle_rows(bench_idle(uris, folder, args.settle, args.idle, args.poll), n)
    print(f"Measured: {source_note()}\n")
    print(f"{n} hosts x {args.guests} guests, test+unix:// through libvirtd")
    print(f"load average (1/5/15 min) before: {load_before}, after: {load_average()}\n")
    print(md_table(["figure", "median", "p95"], rows))
    if stops:
        print(f"\nWARNING: libvirtd was seen stopped (SIGSTOP) {len(stops)} times: the figures are disturbed")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
