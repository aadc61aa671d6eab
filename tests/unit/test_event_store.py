"""The event log's file: appended, read back, rotated at its cap, a corrupt line skipped and said,
an unwritable folder said once while the log carries on in memory."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tuivirt.backend.eventlog.store import Event, EventStore


def event(n: int) -> Event:
    return Event(at=1_800_000_000.0 + n, host="rack-1", kind="lifecycle", text=f"started ({n})", guest="web")


def test_events_come_back_in_order(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.jsonl")
    store.append([event(1), event(2)])
    store.append([event(3)])
    again = EventStore(tmp_path / "events.jsonl")
    assert [e.text for e in again.load()] == ["started (1)", "started (2)", "started (3)"]
    assert [e.text for e in again.newest_first()][:1] == ["started (3)"]
    assert again.problem == ""


def test_a_run_reads_the_earlier_runs_before_its_own_once(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    EventStore(path).append([event(1), event(2)])  # an earlier run
    store = EventStore(path)
    store.append([event(3)])  # this run, before the log is opened
    seen = store.count
    store.load()
    store.load()  # (a second read adds nothing)
    assert [e.text for e in store.newest_first()] == ["started (3)", "started (2)", "started (1)"]
    assert store.count == seen + 2  # a view open reads again


def test_the_file_rotates_at_its_cap(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    store = EventStore(path, cap=1000)
    for n in range(40):
        store.append([event(n)])
    assert path.stat().st_size < 1000 + 200 and store.rotated.exists()
    assert not path.with_name("events.jsonl.2").exists()  # two files at most
    kept = [e.text for e in EventStore(path, cap=1000).load()]
    assert kept[-1] == "started (39)" and len(kept) < 40  # the oldest went with the older file


def test_a_corrupt_line_is_skipped_and_said(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(event(1).line() + "\n{not json\n" + '["a list"]\n' + event(2).line() + "\n")
    store = EventStore(path)
    assert [e.text for e in store.load()] == ["started (1)", "started (2)"]
    assert store.problem == f"2 unreadable lines in {path} skipped"


def test_an_unwritable_folder_keeps_the_log_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    store = EventStore(blocker / "events.jsonl")
    store.append([event(1)])
    store.append([event(2)])
    assert store.problem.startswith(f"cannot write {blocker / 'events.jsonl'}")
    assert store.problem.endswith("kept in memory only")
    assert [e.text for e in store.newest_first()] == ["started (2)", "started (1)"]


def test_lifecycle_events_in_words() -> None:
    import libvirt

    from tuivirt.backend.eventlog.words import lifecycle_text

    assert lifecycle_text(libvirt.VIR_DOMAIN_EVENT_STARTED, libvirt.VIR_DOMAIN_EVENT_STARTED_BOOTED) == (
        "started (booted)"
    )
    stopped = lifecycle_text(libvirt.VIR_DOMAIN_EVENT_STOPPED, libvirt.VIR_DOMAIN_EVENT_STOPPED_CRASHED)
    assert stopped == "stopped (crashed)"
    paused = lifecycle_text(libvirt.VIR_DOMAIN_EVENT_SUSPENDED, libvirt.VIR_DOMAIN_EVENT_SUSPENDED_IOERROR)
    assert paused == "paused (I/O error)"
    assert lifecycle_text(99, 0) == "event 99 (detail 0)"


def test_tuivirt_log_prints_json_lines_filtered(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tuivirt.log_command import run_log, since_epoch

    store = EventStore(tmp_path / "events.jsonl")
    store.append([event(1), Event(at=1_800_000_100.0, host="rack-2", kind="host", text="down: refused")])
    assert run_log(["--json", "--host", "rack-2"], EventStore(store.path)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(line)["text"] for line in lines] == ["down: refused"]
    assert run_log(["--since", "2027-01-20T00:00"], EventStore(store.path)) == 0  # after both
    assert capsys.readouterr().out == ""
    ours = Event(
        at=1_800_000_200.0, host="rack-2", kind="action", text="Pause: done", guest="a\tb", user="ann"
    )
    store.append([ours])
    assert run_log(["--since", "150s", "--host", "rack-2"], EventStore(store.path), now=1_800_000_300.0) == 0
    assert capsys.readouterr().out.split()[2:] == ["rack-2", "a\\tb", "action", "Pause:", "done", "(ann)"]
    assert since_epoch("15m", 1000.0) == 100.0
