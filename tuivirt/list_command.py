"""`tuivirt list`: the same snapshot as the app, printed once, for scripts and checks against virsh."""

from __future__ import annotations

import argparse
import json
import sys

from tuivirt.backend.live.models import HostConfig, HostSnapshot, HostStatus
from tuivirt.backend.live.snapshot_once import host_as_dict, snapshot_hosts
from tuivirt.format import format_kib, format_pair, format_pct, printable, yes_no

HEADER = ("Host", "Name", "State", "vCPU", "Memory", "CPU%", "Mem%", "Disk r/w", "Net rx/tx", "Autostart")


def table_lines(snapshots: list[HostSnapshot]) -> list[str]:
    rows = [HEADER]
    for host in snapshots:
        for d in sorted(host.domains, key=lambda d: d.name):
            rows.append(
                (
                    d.host,
                    printable(d.name),
                    d.state.label,
                    "" if d.vcpus is None else str(d.vcpus),
                    "" if d.memory_kib is None else format_kib(d.memory_kib),
                    format_pct(d.cpu_pct),
                    format_pct(d.memory_pct),
                    format_pair(d.disk_read_bps, d.disk_write_bps),
                    format_pair(d.net_rx_bps, d.net_tx_bps),
                    yes_no(d.autostart),
                )
            )
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def run_list(args: argparse.Namespace, hosts: list[HostConfig]) -> int:
    snapshots = snapshot_hosts(hosts, interval=args.interval, readonly=True)
    if args.json:
        json.dump({"hosts": [host_as_dict(s) for s in snapshots]}, sys.stdout, indent=2)
        print()
    else:
        print("\n".join(table_lines(snapshots)))
    down = [s for s in snapshots if s.status is not HostStatus.UP]
    for s in down:
        print(f"tuivirt: {s.config.name} ({s.config.uri}) is down: {s.reason}", file=sys.stderr)
    return 1 if down else 0
