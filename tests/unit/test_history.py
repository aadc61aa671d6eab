"""The sparkline history: one point per host tick, also for ticks that recorded nothing."""

from tuivirt.ui.shared.history import SIZE, History


def test_ticks_with_no_guest_moving_repeat_the_last_point() -> None:
    history = History()
    history.tick("h")
    history.record("h", "h#a", 10.0, 50.0)
    history.tick("h")  # nothing moved: nothing recorded
    history.tick("h")
    assert history.series("h", "h#a") == ([10.0, 10.0, 10.0], [50.0, 50.0, 50.0])
    history.tick("h")
    history.record("h", "h#a", 20.0, 60.0)
    history.tick("h")
    history.tick("h")
    history.record("h", "h#a", 30.0, 70.0)
    assert history.series("h", "h#a") == (
        [10.0, 10.0, 10.0, 20.0, 20.0, 30.0],
        [50.0, 50.0, 50.0, 60.0, 60.0, 70.0],
    )


def test_hosts_tick_apart_and_only_the_last_points_stay() -> None:
    history = History()
    for value in range(SIZE + 10):
        history.tick("h")
        history.record("h", "h#a", float(value), 0.0)
        history.tick("other")
    cpu, _memory = history.series("h", "h#a")
    assert len(cpu) == SIZE and cpu[-1] == SIZE + 9 and cpu[0] == 10
    for _ in range(SIZE * 3):
        history.tick("h")
    assert history.series("h", "h#a")[0] == [SIZE + 9.0] * SIZE
    assert history.series("h", "h#unknown") == ([], [])
