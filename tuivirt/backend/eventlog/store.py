"""The event log kept as JSON lines in ``$XDG_STATE_HOME/tuivirt/events.jsonl``, newest last.

Capped: past ``cap`` bytes the file becomes ``events.jsonl.1`` (the one before is dropped), so two
files at most, and reading takes at most ``cap`` bytes from the end of each (a file grown by hand
costs no more). It records who did what as root: the folder is 0700, the files 0600, and a symlink
in the file's place is refused (never appended to its target). A line that is not an event of the
right shape is skipped and counted; a file that cannot be written is said (``problem``) and the log
carries on in memory. Appends come from any thread.

Several tuivirt at once: each appends its own actions; libvirt's events are appended only by the
one that holds ``events.lock`` (the first started; the others show them, from memory), so that an
event is in the file once however many are open.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import math
import os
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import IO

CAP_BYTES = 1 << 20  # per file: about 5,000 events
KEPT_IN_MEMORY = 5000
ACTION = "action"  # the kind of tuivirt's own actions (the other kinds are libvirt's events)
_LATEST = 1e11  # seconds since the epoch: the year 5138; anything later is not a real time


@dataclass(frozen=True)
class Event:
    at: float  # seconds since the epoch
    host: str
    kind: str  # lifecycle, reboot, io-error, watchdog, block-job, agent, device, migration, job, host, action
    text: str  # "started (booted)", "force off: done", "down: connection refused"
    guest: str = ""  # its name ("" for a host's own event)
    uuid: str = ""
    user: str = ""  # who ran it, for tuivirt's own actions
    uri: str = ""  # the host's URI (Enter on the log's line finds the guest's row by it)

    def line(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, separators=(",", ":"))


def state_home() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "tuivirt"


_STRING_FIELDS = tuple(f.name for f in fields(Event) if f.name != "at")


def parse_line(line: str) -> Event | None:
    """The event a line holds, or None: not JSON, not an object, a field unknown, missing or of
    the wrong type (``"at": "yesterday"``, ``"host": ["x"]``, ``"at": 1e300``)."""
    try:
        found = json.loads(line)
    except ValueError:
        return None
    if not isinstance(found, dict) or not set(found) <= {"at", *_STRING_FIELDS}:
        return None
    at = found.get("at")
    if (
        isinstance(at, bool)
        or not isinstance(at, int | float)
        or not (math.isfinite(at) and 0 <= at < _LATEST)
    ):
        return None
    if not all(isinstance(found.get(name, ""), str) for name in _STRING_FIELDS):
        return None
    if not {"host", "kind", "text"} <= set(found):
        return None
    return Event(float(at), **{name: found[name] for name in _STRING_FIELDS if name in found})


def _open_private(path: Path, flags: int) -> int:
    """``path`` opened without following a symlink, 0600 (made so when it was looser)."""
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        if os.fstat(fd).st_mode & 0o077:
            os.fchmod(fd, 0o600)
    except OSError:
        os.close(fd)
        raise
    return fd


def _tail(path: Path, limit: int) -> tuple[list[str], bool]:
    """The last ``limit`` bytes of ``path`` as lines (a line cut at the start dropped), and whether
    anything before them was left out."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with os.fdopen(fd, "rb") as file:
        size = os.fstat(fd).st_size
        cut = size > limit
        file.seek(max(0, size - limit))
        data = file.read(limit)
    lines = data.decode("utf-8", errors="replace").splitlines()
    return (lines[1:] if cut else lines), cut


class EventStore:
    def __init__(self, path: Path | None = None, cap: int = CAP_BYTES) -> None:
        self.path = path or state_home() / "events.jsonl"
        self.cap = cap
        self.events: deque[Event] = deque(maxlen=KEPT_IN_MEMORY)
        self.problem = ""  # why the file is not being written (or what was skipped reading it)
        self._lock = threading.Lock()
        self._writable = True
        self._lock_file: IO[bytes] | None = None
        self._writes_events: bool | None = None  # whether this instance writes libvirt's events
        self.count = 0  # events appended (or loaded) so far: a view reads again when it moves
        self.loaded = False  # whether the files' earlier runs are in memory too

    @property
    def rotated(self) -> Path:
        return self.path.with_name(self.path.name + ".1")

    def load(self) -> list[Event]:
        """What the files hold (the tail of each), oldest first. Into memory too, the first time,
        before what this run appended (which the file holds as well: not twice)."""
        loaded: list[Event] = []
        corrupt, cut = 0, False
        for path in (self.rotated, self.path):
            try:
                lines, left_out = _tail(path, self.cap)
            except FileNotFoundError:
                continue
            except OSError as exc:  # a symlink (ELOOP), a folder, no permission
                self.problem = f"cannot read {path}: {_why(exc)}"
                continue
            cut = cut or left_out
            for line in lines:
                event = parse_line(line)
                if event is None:
                    corrupt += 1 if line.strip() else 0
                else:
                    loaded.append(event)
        loaded.sort(key=lambda event: event.at)
        if corrupt:
            self.problem = f"{corrupt} unreadable line{'s' if corrupt > 1 else ''} in {self.path} skipped"
        if cut:
            self.problem += ("; " if self.problem else "") + "only the newest part of a long file read"
        with self._lock:
            if not self.loaded:
                ours = set(self.events)
                earlier = [event for event in loaded if event not in ours]
                self.events = deque([*earlier, *self.events], maxlen=KEPT_IN_MEMORY)
                self.loaded = True
                self.count += len(earlier)
        return loaded

    def append(self, events: Iterable[Event]) -> None:
        batch = list(events)
        with self._lock:
            self.events.extend(batch)
            self.count += len(batch)
            if not self._writable or not batch:
                return
            try:
                self._folder()
                if not self._first_writer():
                    batch = [event for event in batch if event.kind == ACTION]
                if batch:
                    self._write("".join(event.line() + "\n" for event in batch))
            except OSError as exc:
                self._writable = False
                self.problem = f"cannot write {self.path}: {_why(exc)}; kept in memory only"

    def _folder(self) -> None:
        folder = self.path.parent
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o077:
            folder.chmod(0o700)

    def _first_writer(self) -> bool:
        """Whether this instance holds events.lock (kept until close()): the one that writes
        libvirt's events."""
        if not self._writes_events:  # (tried again each time: the holder may have quit since)
            fd = _open_private(self.path.with_name("events.lock"), os.O_RDWR | os.O_CREAT)
            lock_file = os.fdopen(fd, "r+b")
            try:
                fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._lock_file, self._writes_events = lock_file, True
            except BlockingIOError:
                lock_file.close()
                self._writes_events = False
        return self._writes_events

    def close(self) -> None:
        """Let another instance become the one that writes libvirt's events."""
        with self._lock:
            if self._lock_file is not None:
                self._lock_file.close()
            self._lock_file, self._writes_events = None, None

    def _write(self, text: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            if os.lstat(self.path).st_size >= self.cap:
                os.replace(self.path, self.rotated)  # (a rename: a link there is moved, not followed)
        fd = _open_private(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT)  # (read: the last byte)
        with os.fdopen(fd, "ab") as file:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                text = "\n" + text  # a last line left without its newline (a crash) stays its own
            file.write(text.encode("utf-8"))

    def newest_first(self) -> list[Event]:
        """By time: a host's events reach the store at its next tick, after quicker ones."""
        with self._lock:
            return sorted(self.events, key=lambda event: event.at, reverse=True)


def _why(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a symlink
        return "it is a symbolic link (refused: the log is never written through one)"
    return exc.strerror or str(exc)
