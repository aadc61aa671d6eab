"""What the snapshot counts and next-boot changes cost the poller: one host tick at 1,000 guests,
due or not.

libvirt has no snapshot event and none for a change to the next boot's definition, so the poller
reads every guest's count (``snapshotNum``, one call per guest) and compares a running persistent
guest's two definitions (two ``XMLDesc``) on the second tick, after tuivirt's own changes to many
guests and otherwise once a minute. This times,
in-process on a generated test-driver node, ``--samples`` ticks where the counts are not due and as
many where they are (forced due before each), and prints the medians. Run it beside the commit
before for a ratio (``git archive C | tar -x -C /tmp/base`` and ``PYTHONPATH=/tmp/base``): there
both figures are a plain tick.

    .venv/bin/python benchmarks/bench_snapshot_counts.py [--guests 1000] [--samples 60]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import libvirt

from tuivirt.backend.live.models import HostConfig
from tuivirt.backend.live.poller import HostPoller, read_facts
from tuivirt.testbed.testnode import write_node_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guests", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        uri = f"test://{write_node_file(Path(directory) / 'node.xml', args.guests, prefix='g')}"
        conn = libvirt.open(uri)
        poller = HostPoller(HostConfig("node", uri), read_facts(conn))
        poller.tick(conn)
        poller.tick(conn)  # the counts' first read (where this version has counts)
        not_due, due = [], []
        for _ in range(args.samples):
            started = time.perf_counter()
            poller.tick(conn)
            not_due.append(time.perf_counter() - started)
            if hasattr(poller, "_counts_due"):
                poller._counts_due = 0.0  # as after an action of ours, or a minute later
            started = time.perf_counter()
            poller.tick(conn)
            due.append(time.perf_counter() - started)
        conn.close()
    print(f"{args.guests} guests, median of {args.samples}:")
    print(f"  tick, counts not due  {statistics.median(not_due) * 1000:6.1f} ms")
    print(f"  tick, counts read     {statistics.median(due) * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
