"""tuivirt in a real terminal (tmux), driven by keys as a person would: what the headless driver
cannot show. `E` suspends the app for the editor; the dialog after it once ignored its first key
("Define it (a)" did nothing; the next `E` defined it and opened no editor)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# No skip without tmux: scripts/setup-host.sh installs it, and a missing one must fail the run.


class Terminal:
    def __init__(self, socket: str, session: str) -> None:
        self.socket, self.session = socket, session

    def tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False)
        return done.stdout

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", "-t", self.session, *keys)

    def screen(self) -> str:
        return self.tmux("capture-pane", "-t", self.session, "-p")

    def wait_for(self, predicate: Callable[[str], bool], timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.2)
        raise AssertionError(f"not on screen within {timeout} s:\n{self.screen()}")


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[tuple[Terminal, Path]]:
    editor = tmp_path / "edit.sh"
    editor.write_text('#!/bin/sh\nsed -i "s|</name>|</name><title>From the editor</title>|" "$1"\n')
    editor.chmod(0o755)
    node = tmp_path / "demo.xml"
    from tuivirt.cli import demo_uri

    node.write_text(Path(demo_uri().removeprefix("test://")).read_text())
    socket, session = f"tuivirt-test-{uuid.uuid4().hex[:8]}", "t"
    env = f"EDITOR={editor} XDG_STATE_HOME={tmp_path / 'state'} HOME={tmp_path}"
    command = f"env -u COLUMNS -u LINES {env} {sys.executable} -m tuivirt -c test://{node}; sleep 60"
    term = Terminal(socket, session)
    term.tmux("new-session", "-d", "-s", session, "-x", "100", "-y", "30", "-c", os.getcwd(), command)
    try:
        yield term, node
    finally:
        term.tmux("kill-server")


def test_e_then_define_it_defines_at_the_first_key(terminal: tuple[Terminal, Path]) -> None:
    term, _node = terminal
    term.wait_for(lambda s: "backup" in s and "win-test" in s)
    term.keys("/")  # the filter, then Enter: the guests table has the keys, backup under the cursor
    time.sleep(0.5)
    term.keys("backup")
    term.wait_for(lambda s: "win-test" not in s)
    term.keys("Enter")
    time.sleep(0.5)
    term.keys("E")
    term.wait_for(lambda s: "Define the edited XML of backup?" in s)
    term.keys("a")
    shown = term.wait_for(lambda s: "backup defined" in s, timeout=10)
    assert "Define the edited XML" not in shown
