"""HostPoller.tick against the real QEMU driver: RPC calls per tick and tick time vs. the bulk-call floor.

For each guest count N (1, 4, 16 by default) the script makes sure N test guests
(``tuivirt-bench-NN``, tuivirt.testbed.testguest) are defined, started, given ``--boot-wait``
seconds to boot and then paused (``dom.suspend()``, to spare the CPU). Then, each in a fresh
subprocess of its own:

* RPC calls per tick: the subprocess runs with ``LIBVIRT_LOG_FILTERS=1:rpc`` and
  ``LIBVIRT_LOG_OUTPUTS=1:file:LOG``, does one warm-up tick, notes the log size, runs ``--ticks``
  ticks and counts the ``RPC_CLIENT_MSG_TX_QUEUE`` lines with ``type=0`` (calls) in the new part
  of the log. It must not grow with N.
* tick time: a subprocess without logging does one warm-up tick, then ``--samples`` rounds of one
  ``HostPoller.tick(conn)`` and one bare ``conn.getAllDomainStats(STATS_GROUPS, 0)`` (the floor:
  the one call a tick cannot avoid), alternating which goes first; medians, p95s and the ratio
  of the medians (target <= 1.25).

Every bench guest is destroyed and undefined in a ``finally`` block, on failure, Ctrl+C or SIGTERM
too. Other guests of the daemon (from tests running at the same time) are seen by both the tick
and the floor; the "domains" column says how many there were.

    .venv/bin/python benchmarks/bench_qemu_tick.py [--counts 1,4,16] [--ticks 20] [--samples 40]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

import libvirt
from benchlib import count_rpc_calls, describe_procs, libvirt_log_env, md_table, median, ms, p95, source_note

from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.live.poller import STATS_GROUPS, HostPoller, read_facts
from tuivirt.testbed import testguest

PREFIX = "tuivirt-bench-"
RATIO_TARGET = 1.25


# -- worker (runs in a subprocess) ---------------------------------------------------------------


def worker(uri: str, mode: str, ticks: int, log_file: Path | None) -> dict[str, Any]:
    conn = libvirt.open(uri)
    try:
        poller = HostPoller(HostConfig("localhost", uri), read_facts(conn))
        warm = poller.tick(conn)  # reads the attributes once; later ticks are the steady state
        result: dict[str, Any] = {"domains": len(warm.domains)}
        if mode == "rpc":
            assert log_file is not None
            start = log_file.stat().st_size
            for _ in range(ticks):
                poller.tick(conn)
            calls, procs = count_rpc_calls(log_file, start)
            result.update(calls=calls, procs={str(k): v for k, v in procs.items()})
        else:
            tick_times: list[float] = []
            floor_times: list[float] = []
            for i in range(ticks):
                for which in ("tick", "floor") if i % 2 == 0 else ("floor", "tick"):
                    t0 = time.perf_counter()
                    if which == "tick":
                        poller.tick(conn)
                        tick_times.append(time.perf_counter() - t0)
                    else:
                        conn.getAllDomainStats(STATS_GROUPS, 0)
                        floor_times.append(time.perf_counter() - t0)
            result.update(tick=tick_times, floor=floor_times)
        return result
    finally:
        conn.close()


def run_worker(uri: str, mode: str, ticks: int, log_file: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    for var in ("LIBVIRT_LOG_FILTERS", "LIBVIRT_LOG_OUTPUTS", "LIBVIRT_DEBUG"):
        env.pop(var, None)
    args = [sys.executable, __file__, "--worker", mode, "--uri", uri, "--ticks", str(ticks)]
    if log_file is not None:
        env.update(libvirt_log_env(log_file))
        args += ["--log", str(log_file)]
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True, timeout=600).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


# -- guests ------------------------------------------------------------------------------------


def bench_names(conn: libvirt.virConnect) -> list[str]:
    return sorted(d.name() for d in conn.listAllDomains(0) if d.name().startswith(PREFIX))


def remove_bench_guests(conn: libvirt.virConnect) -> None:
    """Destroy and undefine every guest called tuivirt-bench-*, whatever state it is in."""
    for name in bench_names(conn):
        with contextlib.suppress(libvirt.libvirtError):
            dom = conn.lookupByName(name)
            if dom.isActive():
                dom.destroy()
            dom.undefine()
    left = bench_names(conn)
    if left:
        print(f"WARNING: could not remove {left}", file=sys.stderr)


def grow_to(conn: libvirt.virConnect, count: int, images: testguest.GuestImages, boot_wait: float) -> None:
    """Define and start guests until ``count`` exist, let the new ones boot, then pause them."""
    existing = set(bench_names(conn))
    new = []
    for i in range(count):
        name = f"{PREFIX}{i:02d}"
        if name not in existing:
            dom = testguest.define(conn, name, images)
            dom.create()
            new.append(dom)
    if new:
        time.sleep(boot_wait)
        for dom in new:
            dom.suspend()
    states = Counter(conn.lookupByName(n).info()[0] for n in bench_names(conn))
    if states != Counter({libvirt.VIR_DOMAIN_PAUSED: count}):
        raise RuntimeError(f"expected {count} paused bench guests, got states {dict(states)}")


def _raise_exit(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # runs the finally blocks: the guests are removed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--uri", default="qemu:///system")
    parser.add_argument("--counts", default="1,4,16", help="guest counts, comma separated (1,4,16)")
    parser.add_argument("--ticks", type=int, default=20, help="ticks counted for RPCs per tick (20)")
    parser.add_argument("--samples", type=int, default=40, help="timed ticks and floor calls (40 each)")
    parser.add_argument("--boot-wait", type=float, default=5.0, help="seconds to let new guests boot (5)")
    parser.add_argument("--worker", choices=["rpc", "time"], help=argparse.SUPPRESS)
    parser.add_argument("--log", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        print(json.dumps(worker(args.uri, args.worker, args.ticks, args.log)))
        return 0

    signal.signal(signal.SIGTERM, _raise_exit)
    signal.signal(signal.SIGHUP, _raise_exit)
    counts = sorted(int(c) for c in args.counts.split(","))
    images = testguest.build()
    conn = libvirt.open(args.uri)
    rows: list[list[object]] = []
    failed = False
    try:
        remove_bench_guests(conn)  # leftovers of an interrupted run
        with tempfile.TemporaryDirectory(prefix="tuivirt-bench-") as tmp:
            for count in counts:
                grow_to(conn, count, images, args.boot_wait)
                log_file = Path(tmp) / f"rpc-{count}.log"
                rpc = run_worker(args.uri, "rpc", args.ticks, log_file)
                timing = run_worker(args.uri, "time", args.samples, None)
                procs = Counter({int(k): v for k, v in rpc["procs"].items()})
                tick_med, floor_med = median(timing["tick"]), median(timing["floor"])
                ratio = tick_med / floor_med
                failed |= ratio > RATIO_TARGET
                rows.append(
                    [
                        count,
                        timing["domains"],
                        f"{rpc['calls'] / args.ticks:g}",
                        describe_procs(procs, args.ticks),
                        ms(tick_med),
                        ms(p95(timing["tick"])),
                        ms(floor_med),
                        ms(p95(timing["floor"])),
                        f"{ratio:.2f}",
                    ]
                )
                print(f"# {count} guests done", file=sys.stderr, flush=True)
    finally:
        remove_bench_guests(conn)
        conn.close()
    headers = [
        "bench guests",
        "domains",
        "RPC calls/tick",
        "calls per tick by procedure",
        "tick median ms",
        "tick p95 ms",
        "floor median ms",
        "floor p95 ms",
        "tick/floor",
    ]
    print(f"Measured: {source_note()}\n")
    print(md_table(headers, rows))
    per_tick = {row[2] for row in rows}
    print(
        f"\nRPC calls per tick constant over N: {'yes' if len(per_tick) == 1 else 'NO'}; "
        f"tick/floor <= {RATIO_TARGET}: {'no' if failed else 'yes'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
