"""Rates from two samples of cumulative libvirt counters: pure functions, no libvirt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Counters:
    """One domain's cumulative counters at one moment (``at`` is time.monotonic())."""

    at: float
    cpu_ns: int | None
    disk_read: int
    disk_write: int
    net_rx: int
    net_tx: int


def _sum_indexed(stats: Mapping[str, Any], prefix: str, count_key: str, suffix: str) -> int:
    """Sum ``prefix.N.suffix`` over N < ``prefix.count`` (block.0.rd.bytes + block.1.rd.bytes …)."""
    count = int(stats.get(f"{prefix}.{count_key}", 0))
    return sum(int(stats.get(f"{prefix}.{i}.{suffix}", 0)) for i in range(count))


def counters_from_stats(stats: Mapping[str, Any], at: float) -> Counters:
    cpu = stats.get("cpu.time")
    return Counters(
        at=at,
        cpu_ns=int(cpu) if cpu is not None else None,
        disk_read=_sum_indexed(stats, "block", "count", "rd.bytes"),
        disk_write=_sum_indexed(stats, "block", "count", "wr.bytes"),
        net_rx=_sum_indexed(stats, "net", "count", "rx.bytes"),
        net_tx=_sum_indexed(stats, "net", "count", "tx.bytes"),
    )


def rate(before: int, after: int, seconds: float) -> float:
    """Per-second rate of a cumulative counter, never negative (counters reset on restart)."""
    if seconds <= 0:
        return 0.0
    return max(0.0, (after - before) / seconds)


def cpu_percent(before_ns: int, after_ns: int, seconds: float, cpus: int) -> float:
    """CPU time used over ``seconds`` as a percentage of ``cpus`` processors, clamped to 0-100."""
    if seconds <= 0 or cpus <= 0:
        return 0.0
    return min(100.0, max(0.0, (after_ns - before_ns) * 100.0 / (seconds * 1e9 * cpus)))


def host_cpu_percent(before: Mapping[str, int], after: Mapping[str, int]) -> float | None:
    """Busy share from two ``getCPUStats(-1)`` samples (kernel, user, idle, iowait in ns)."""
    total = sum(after.values()) - sum(before.values())
    if total <= 0:
        return None
    idle = after.get("idle", 0) - before.get("idle", 0) + after.get("iowait", 0) - before.get("iowait", 0)
    return min(100.0, max(0.0, 100.0 * (total - idle) / total))
