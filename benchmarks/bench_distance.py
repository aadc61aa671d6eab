"""Cheap at any distance (issue 30): RPC calls a minute at idle, first paint and tick pace on a host
at a chosen round trip, and how long a guest action waits while its host polls.

    .venv/bin/python benchmarks/bench_distance.py [--guests 1000] [--rtt-ms 50] [--real-guests 2]
    PYTHONPATH=/tmp/tuivirt-before .venv/bin/python benchmarks/bench_distance.py …   # another copy

A relay on a unix socket (this script, threads) forwards to libvirtd's socket and holds every chunk
half the round trip in each direction; the client reaches it with ``?socket=PATH`` in the URI, so
every RPC pays the round trip (the kernel here has no netem). Runs, each in a fresh tmux session
(160x50, ``--refresh 2``, tuivirt's own RPC log through LIBVIRT_LOG_FILTERS):

(a) ``test+unix:///NODE.xml`` with ``--guests`` test-driver guests through the daemon, no delay:
    after the first guest row shows and ``--settle`` s, over ``--idle`` s: RPC calls a minute (by
    procedure), polls a minute (GET_ALL_DOMAIN_STATS calls) and CPU (% of one core);
(b) the same node through the relay: first paint (launch to the first guest row on screen) and,
    over the idle window, polls a minute and RPC calls a minute;
(c) ``qemu+unix:///system`` through the relay with ``--real-guests`` booted test guests: first
    paint, polls a minute;
(d) in this process: a HostSession polls the relayed node of (b); every 0.5 s one guest action's
    call (``lookupByUUIDString`` + ``info``: two RPCs) through ``session.call``; the same call on a
    connection of its own (the action's own time) beside it. Reported: median and worst of
    ``--actions`` calls, against the bar of two round trips plus the action's own time.
"""

from __future__ import annotations

import argparse
import queue
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import partial
from pathlib import Path

import libvirt
from bench_terminal import real_guests
from benchlib import (
    count_rpc_calls,
    cpu_seconds,
    describe_procs,
    file_size,
    kill_session,
    launch,
    libvirt_log_env,
    md_table,
    own_tmux_server,
    raise_exit,
    source_note,
    tuivirt_pid,
    wait_until,
)

from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.live.session import HostSession
from tuivirt.testbed.testnode import write_node_file

DAEMON_SOCKET = "/var/run/libvirt/libvirt-sock"
GET_ALL_DOMAIN_STATS = 344  # remote protocol procedure number


class Relay:
    """Unix socket -> libvirtd, every chunk held ``delay`` seconds (half the round trip) each way,
    in order and without limiting throughput."""

    def __init__(self, path: Path, delay: float) -> None:
        self.path, self.delay = path, delay
        self._server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._server.bind(str(path))
        self._server.listen(64)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            daemon = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            daemon.connect(DAEMON_SOCKET)
            for source, sink in ((client, daemon), (daemon, client)):
                held: queue.Queue[tuple[float, bytes]] = queue.Queue()
                threading.Thread(target=self._read, args=(source, held), daemon=True).start()
                threading.Thread(target=self._write, args=(sink, held), daemon=True).start()

    def _read(self, source: socket.socket, held: queue.Queue[tuple[float, bytes]]) -> None:
        while True:
            try:
                data = source.recv(1 << 16)
            except OSError:
                data = b""
            held.put((time.monotonic() + self.delay, data))
            if not data:
                return

    def _write(self, sink: socket.socket, held: queue.Queue[tuple[float, bytes]]) -> None:
        while True:
            due, data = held.get()
            time.sleep(max(0.0, due - time.monotonic()))
            if not data:
                with suppress(OSError):
                    sink.shutdown(socket.SHUT_RDWR)
                return
            try:
                sink.sendall(data)
            except OSError:
                return

    def close(self) -> None:
        self._server.close()


@contextmanager
def relay(folder: Path, rtt: float) -> Iterator[Path]:
    path = folder / "lag.sock"
    relay = Relay(path, rtt / 2)
    try:
        yield path
    finally:
        relay.close()


def run_app(uri: str, row: str, folder: Path, settle: float, idle: float, label: str) -> dict[str, object]:
    """Launch, time the first paint (``row`` on screen), then measure the idle window."""
    log = folder / f"{label}.rpc.log"
    session = f"distance-{label}"
    started = time.perf_counter()
    launch(session, [uri], 2.0, libvirt_log_env(log))
    pid = None
    try:
        pid = tuivirt_pid(session)
        painted = wait_until(session, lambda screen: row in screen, 0.02, timeout=300) - started
        time.sleep(settle)
        offset, cpu0, t0 = file_size(log), cpu_seconds(pid), time.monotonic()
        time.sleep(idle)
        end, cpu1, t1 = file_size(log), cpu_seconds(pid), time.monotonic()
        calls, procs = count_rpc_calls(log, offset, end)
        minutes = (t1 - t0) / 60
        return {
            "first paint s": f"{painted:.2f}",
            "RPC/min": f"{calls / minutes:,.0f}",
            "polls/min": f"{procs[GET_ALL_DOMAIN_STATS] / minutes:.1f}",
            "CPU %": f"{100 * (cpu1 - cpu0) / (t1 - t0):.2f}",
            "calls by procedure, per minute": describe_procs(procs, minutes),
        }
    finally:
        kill_session(session, pid)
        log.unlink(missing_ok=True)


def guest_info(conn: libvirt.virConnect, uuid: str) -> list[int]:
    return list(conn.lookupByUUIDString(uuid).info())


def action_waits(uri: str, count: int, rtt: float) -> dict[str, object]:
    """A guest action's call while the session polls, against the same call on a quiet connection."""
    quiet = libvirt.open(uri)
    uuids = [dom.UUIDString() for dom in quiet.listAllDomains(0)[:count]]
    session = HostSession(HostConfig("far", uri), lambda _snapshot: None, refresh=2.0)
    session.start()
    try:
        deadline = time.monotonic() + 300
        while session._shared is None and time.monotonic() < deadline:  # connected
            time.sleep(0.1)
        time.sleep(3.0)  # polling and reading guests by now
        waits, own = [], []
        for uuid in uuids:
            t0 = time.perf_counter()
            session.call(partial(guest_info, uuid=uuid), changes=False)
            waits.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            quiet.lookupByUUIDString(uuid).info()
            own.append(time.perf_counter() - t0)
            time.sleep(0.5)
    finally:
        session.stop()
        quiet.close()
    bar = 2 * rtt + statistics.median(own)
    return {
        "action median ms": f"{1000 * statistics.median(waits):.0f}",
        "action worst ms": f"{1000 * max(waits):.0f}",
        "own time median ms": f"{1000 * statistics.median(own):.0f}",
        "bar (2 RTT + own) ms": f"{1000 * bar:.0f}",
        "worst within bar": "yes" if max(waits) <= bar else "no",
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--guests", type=int, default=1000)
    parser.add_argument("--rtt-ms", type=float, default=50.0)
    parser.add_argument("--real-guests", type=int, default=2)
    parser.add_argument("--settle", type=float, default=10.0)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--actions", type=int, default=20)
    parser.add_argument("--skip", default="", help="comma-separated runs to skip: a,b,c,d")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, raise_exit)
    signal.signal(signal.SIGHUP, raise_exit)
    skip = set(args.skip.split(","))
    rtt = args.rtt_ms / 1000
    print(source_note())
    print(
        f"guests {args.guests}, round trip {args.rtt_ms:g} ms, "
        f"settle {args.settle:g} s, idle {args.idle:g} s\n"
    )
    rows: list[list[object]] = []
    headers = ["run", "first paint s", "RPC/min", "polls/min", "CPU %", "calls by procedure, per minute"]
    with tempfile.TemporaryDirectory(prefix="tuivirt-distance-") as tmp, own_tmux_server():
        folder = Path(tmp)
        folder.chmod(0o755)
        node = write_node_file(folder / "node.xml", args.guests)
        node.chmod(0o644)
        with relay(folder, rtt) as lag:
            runs = [
                ("a", f"local, {args.guests} test guests", f"test+unix://{node}", "guest-0000"),
                (
                    "b",
                    f"{args.rtt_ms:g} ms, {args.guests} test guests",
                    f"test+unix://{node}?socket={lag}",
                    "guest-0000",
                ),
            ]
            for key, label, uri, row in runs:
                if key not in skip:
                    result = run_app(uri, row, folder, args.settle, args.idle, key)
                    rows.append([label, *(result[h] for h in headers[1:])])
                    print(md_table(headers, rows[-1:]), flush=True)
            if "c" not in skip and args.real_guests:
                with real_guests(args.real_guests) as name:
                    uri = f"qemu+unix:///system?socket={lag}"
                    result = run_app(uri, name, folder, args.settle, args.idle, "c")
                    rows.append(
                        [
                            f"{args.rtt_ms:g} ms, {args.real_guests} real guests",
                            *(result[h] for h in headers[1:]),
                        ]
                    )
            print("\n" + md_table(headers, rows))
            if "d" not in skip:
                waits = action_waits(f"test+unix://{node}?socket={lag}", args.actions, rtt)
                print("\n" + md_table(list(waits), [list(waits.values())]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
