"""The event log's file as an attacker or an accident leaves it: a symlink in its place, lines of
the wrong shape, a huge file, a last line with no newline, several instances writing at once; and
`tuivirt log` on it, into a closed pipe."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tuivirt.backend.eventlog.store import ACTION, Event, EventStore, parse_line
from tuivirt.cli import main


def event(n: int, kind: str = "lifecycle", text: str = "started") -> Event:
    return Event(at=1_800_000_000.0 + n, host="rack-1", kind=kind, text=f"{text} ({n})", guest="web")


def test_a_symlink_in_the_files_place_is_refused_and_said(tmp_path: Path) -> None:
    target = tmp_path / "root-owned.conf"
    target.write_text("precious\n")
    (tmp_path / "events.jsonl").symlink_to(target)
    store = EventStore(tmp_path / "events.jsonl")
    store.append([event(1)])
    assert target.read_text() == "precious\n"  # nothing appended through the link
    assert "symbolic link" in store.problem and store.events[-1] == event(1)  # kept in memory, said
    store.load()
    assert "symbolic link" in store.problem


def test_the_file_is_0600_in_a_0700_folder(tmp_path: Path) -> None:
    path = tmp_path / "state" / "tuivirt" / "events.jsonl"
    EventStore(path).append([event(1)])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    path.chmod(0o644)  # an earlier version's file
    EventStore(path).append([event(2)])
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    "line",
    [
        '{"at": "yesterday", "host": "h", "kind": "k", "text": "t"}',
        '{"at": 1e300, "host": "h", "kind": "k", "text": "t"}',
        '{"at": 1800000000, "host": ["x"], "kind": "k", "text": "t"}',
        '{"at": true, "host": "h", "kind": "k", "text": "t"}',
        '{"at": 1800000000, "host": "h", "kind": "k"}',
        '{"at": 1800000000, "host": "h", "kind": "k", "text": "t", "extra": 1}',
        '{"at": NaN, "host": "h", "kind": "k", "text": "t"}',
        "[1, 2]",
        "not json",
    ],
)
def test_a_line_of_the_wrong_shape_is_no_event(line: str) -> None:
    assert parse_line(line) is None


def test_bad_lines_are_counted_and_said_and_tuivirt_log_carries_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    path = tmp_path / "tuivirt" / "events.jsonl"
    path.parent.mkdir()
    good = event(1).line()
    path.write_text(f"{good}\n" + '{"at": "yesterday", "host": "h", "kind": "k", "text": "t"}\n' * 3)
    store = EventStore(path)
    assert len(store.load()) == 1 and store.problem.startswith("3 unreadable lines")
    assert main(["log"]) == 0 and main(["log", "--json"]) == 0
    out, err = capsys.readouterr()
    assert "3 unreadable lines" in err and out.count("started (1)") == 2


def test_reading_takes_only_the_tail_of_a_huge_file(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    with path.open("w") as file:  # 20 times the cap, grown by hand
        file.write("".join(event(n).line() + "\n" for n in range(100_000)))
    store = EventStore(path, cap=256 * 1024)
    loaded = store.load()
    assert 0 < len(loaded) < 3000 and loaded[-1] == event(99_999)
    assert "only the newest part" in store.problem and "unreadable" not in store.problem


def test_a_last_line_left_without_its_newline_does_not_swallow_the_next(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(event(1).line())  # a run that died mid-write
    EventStore(path).append([event(2)])
    assert [e.text for e in EventStore(path).load()] == ["started (1)", "started (2)"]


def test_several_instances_write_libvirts_events_once_and_each_its_own_actions(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    first, second = EventStore(path), EventStore(path)
    for store in (first, second):  # both see the same libvirt event; each runs an action
        store.append([event(1)])
        store.append([event(2, ACTION, "Pause: done")])
    texts = [e.text for e in EventStore(path).load()]
    assert texts.count("started (1)") == 1 and texts.count("Pause: done (2)") == 2
    assert second.events[0] == event(1)  # the second still shows it
    first.close()  # the first quits: the second takes over libvirt's events
    second.append([event(3)])
    assert "started (3)" in [e.text for e in EventStore(path).load()]


def test_tuivirt_log_is_oldest_first_and_escapes_what_it_prints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    path = tmp_path / "tuivirt" / "events.jsonl"
    path.parent.mkdir()
    hostile = Event(1_800_000_005.0, "h\x1b]0;T\x07", "\x1b[2J", "t\x9b\u202e", guest="g\r")
    path.write_text("\n".join(e.line() for e in (event(9), hostile, event(1))) + "\n")
    assert main(["log"]) == 0
    table = capsys.readouterr().out
    assert main(["log", "--json"]) == 0
    lines = capsys.readouterr().out
    for out in (table, lines):
        assert not any(ch in out for ch in "\x1b\x07\x9b\u202e\r")
    assert [json.loads(line)["at"] for line in lines.splitlines()] == [
        1_800_000_001.0,
        1_800_000_005.0,
        1_800_000_009.0,
    ]
    assert json.loads(lines.splitlines()[1])["host"] == "h\x1b]0;T\x07"  # the JSON keeps the data


def test_tuivirt_log_into_a_closed_pipe_is_quiet(tmp_path: Path) -> None:
    path = tmp_path / "tuivirt" / "events.jsonl"
    path.parent.mkdir()
    path.write_text("".join(event(n).line() + "\n" for n in range(20_000)))
    env = dict(os.environ, XDG_STATE_HOME=str(tmp_path))
    shell = f"{sys.executable} -m tuivirt log | head -1"
    done = subprocess.run(["bash", "-o", "pipefail", "-c", shell], env=env, capture_output=True, text=True)
    assert done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 0
