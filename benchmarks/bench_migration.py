"""Live migration between this machine's libvirtd and the tests' second host (its own libvirtd in
namespaces, `tests/integration/second_host.py`): tuivirt's migration job (what `M` runs: migrate3
on its own connections, jobStats once a second beside it) against `virsh migrate --live
--persistent --undefinesource` (the baseline), there and back with a booted test guest.

Each run moves the guest there and back; the median of ``--runs`` one-way times of each. The guest,
the second host and its link are removed afterwards.

    .venv/bin/python benchmarks/bench_migration.py [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import libvirt
from benchlib import REPO, md_table, median, source_note

sys.path.insert(0, str(REPO))  # the tests' second host
from tests.integration.second_host import HOST_ADDRESS, PEER_ADDRESS, start_second_host
from tuivirt.backend.ops.migrate.job import MigrationControl, migrate_guest
from tuivirt.backend.ops.migrate.options import MigrationOptions
from tuivirt.testbed import testguest

LOCAL = "qemu:///system"
NAME = "tuivirt-bench-migrate"


def by_virsh(source: str, target: str, address: str) -> None:
    command = ["virsh", "-c", source, "migrate", "--live", "--persistent", "--undefinesource", NAME, target]
    subprocess.run([*command, "--migrateuri", f"tcp://{address}"], check=True, capture_output=True)


def by_tuivirt(source: str, target: str, address: str) -> None:
    src, dst = libvirt.open(source), libvirt.open(target)
    try:
        uuid = src.lookupByName(NAME).UUIDString()
        migrate_guest(
            src, dst, uuid, MigrationOptions(address=address), MigrationControl(lambda _: None), "x"
        )
    finally:
        src.close()
        dst.close()


def timed(move: Callable[[str, str, str], None], source: str, target: str, address: str) -> float:
    started = time.monotonic()
    move(source, target, address)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(source_note())
    with tempfile.TemporaryDirectory() as directory:
        second = start_second_host(Path(directory))
        conn = libvirt.open(LOCAL)
        try:
            testguest.define(conn, NAME, network=None).create()
            time.sleep(5)  # booted to its shell
            times: dict[str, list[float]] = {"virsh migrate": [], "tuivirt (M)": []}
            moves = {"virsh migrate": by_virsh, "tuivirt (M)": by_tuivirt}
            for _ in range(args.runs):
                for way, move in moves.items():
                    times[way].append(timed(move, LOCAL, second.uri, PEER_ADDRESS))
                    times[way].append(timed(move, second.uri, LOCAL, HOST_ADDRESS))
            rows = [
                (way, len(t), f"{median(t):.2f} s", f"{min(t):.2f} s", f"{max(t):.2f} s")
                for way, t in times.items()
            ]
            print(md_table(("how", "one-way moves", "median", "min", "max"), rows))
        finally:
            with contextlib.suppress(libvirt.libvirtError):
                dom = conn.lookupByName(NAME)
                dom.destroy()
                dom.undefine()
            conn.close()
            second.stop()


if __name__ == "__main__":
    main()
