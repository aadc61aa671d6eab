"""What opening `L` (and `tuivirt log`) costs on a large event log: a file grown to SIZE MB of
JSON lines (as a log written by many instances, or by hand, could be), read the way `L` reads it
(EventStore().load() on its worker) and printed by `tuivirt log` into /dev/null. Each read runs in
a child Python of its own: wall time and peak RSS (ru_maxrss), median of RUNS.

    PYTHONPATH=/tmp/tuivirt-OLD .venv/bin/python benchmarks/bench_event_log.py --size 166
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READ = """
import resource, sys, time
from tuivirt.backend.eventlog.store import EventStore
start = time.perf_counter()
events = EventStore().load()
took = time.perf_counter() - start
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(events))
"""


def write_log(folder: Path, megabytes: int) -> None:
    path = folder / "tuivirt" / "events.jsonl"
    path.parent.mkdir(parents=True)
    line: dict[str, object] = dict(host="rack-1", kind="lifecycle", text="started (booted)", guest="web-01")
    line |= dict(uuid="0" * 36, user="", uri="qemu:///system")
    chunk = "".join(json.dumps(dict(line, at=1_800_000_000.0 + n)) + "\n" for n in range(10_000))
    with path.open("w") as file:
        while file.tell() < megabytes * 1_000_000:
            file.write(chunk)
    (folder / "tuivirt" / "events.jsonl.1").write_text(chunk * 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=166, help="MB of the current file (166)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        write_log(Path(folder), args.size)
        env = dict(os.environ, XDG_STATE_HOME=folder)
        reads, rss, logs = [], [], []
        count = "0"
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, "-c", READ], env=env, cwd=folder, capture_output=True, text=True, check=True
            )
            took, peak, count = out.stdout.split()
            reads.append(float(took))
            rss.append(int(peak) / 1024)
            start = time.perf_counter()
            with open(os.devnull, "w") as devnull:
                subprocess.run(
                    [sys.executable, "-m", "tuivirt", "log"], env=env, cwd=folder, stdout=devnull, check=False
                )
            logs.append(time.perf_counter() - start)
        # (The children run in the temporary folder, so that the current one does not shadow PYTHONPATH.)
        where = os.environ.get("PYTHONPATH", "the installed checkout")
        print(f"Measured: tuivirt from {where}, a {args.size} MB log, {args.runs} runs (medians)")
        print("| read as L does | peak RSS | events read | `tuivirt log > /dev/null` |")
        print("| --- | --- | --- | --- |")
        print(
            f"| {statistics.median(reads):.2f} s | {statistics.median(rss):.0f} MB | {int(count):,} "
            f"| {statistics.median(logs):.2f} s |"
        )


if __name__ == "__main__":
    main()
