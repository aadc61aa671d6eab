import pytest

from tuivirt.backend.live.events import backoff_delays
from tuivirt.backend.live.stats import counters_from_stats, cpu_percent, host_cpu_percent, rate


def test_cpu_percent_guest_view_and_host_share() -> None:
    # 1 s of CPU time over 2 s: half of one vCPU, a quarter of two, an eighth of a 4-CPU host.
    assert cpu_percent(0, 1_000_000_000, 2.0, 1) == pytest.approx(50.0)
    assert cpu_percent(0, 1_000_000_000, 2.0, 2) == pytest.approx(25.0)
    assert cpu_percent(0, 1_000_000_000, 2.0, 4) == pytest.approx(12.5)


def test_cpu_percent_is_clamped() -> None:
    assert cpu_percent(0, 10**12, 1.0, 1) == 100.0
    assert cpu_percent(10**9, 0, 1.0, 1) == 0.0  # counter reset (guest restarted)
    assert cpu_percent(0, 10**9, 0.0, 1) == 0.0
    assert cpu_percent(0, 10**9, 1.0, 0) == 0.0


def test_rate_floors_at_zero() -> None:
    assert rate(1000, 5000, 2.0) == 2000.0
    assert rate(5000, 1000, 2.0) == 0.0
    assert rate(0, 10, 0.0) == 0.0


def test_counters_sum_every_disk_and_interface() -> None:
    stats = {
        "cpu.time": 42,
        "block.count": 2,
        "block.0.rd.bytes": 100,
        "block.0.wr.bytes": 10,
        "block.1.rd.bytes": 1,
        "block.1.wr.bytes": 2,
        "net.count": 1,
        "net.0.rx.bytes": 7,
        "net.0.tx.bytes": 8,
    }
    counters = counters_from_stats(stats, at=3.0)
    assert (counters.cpu_ns, counters.disk_read, counters.disk_write) == (42, 101, 12)
    assert (counters.net_rx, counters.net_tx, counters.at) == (7, 8, 3.0)
    assert counters_from_stats({"state.state": 5}, at=0).cpu_ns is None


def test_host_cpu_percent() -> None:
    before = {"kernel": 100, "user": 100, "idle": 700, "iowait": 100}
    after = {"kernel": 200, "user": 300, "idle": 1300, "iowait": 200}
    assert host_cpu_percent(before, after) == pytest.approx(30.0)
    assert host_cpu_percent(before, before) is None


def test_backoff_doubles_up_to_thirty_seconds() -> None:
    assert backoff_delays() == [1, 2, 4, 8, 16, 30]
