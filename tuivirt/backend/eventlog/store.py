"""The event log kept as JSON lines in ``$XDG_STATE_HOME/tuivirt/events.jsonl``, newest last.

Capped: past ``cap`` bytes the file becomes ``events.jsonl.1`` (the one before is dropped), so two
files at most. A line that does not parse is skipped and counted; a file that cannot be written
is said once (``problem``) and the log carries on in memory. Appends come from any thread.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

CAP_BYTES = 1 << 20  # per file: about 5,000 events
KEPT_IN_MEMORY = 5000


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


def parse_line(line: str) -> Event | None:
    try:
        fields = json.loads(line)
        return Event(**fields) if isinstance(fields, dict) else None
    except (ValueError, TypeError):
        return None


class EventStore:
    def __init__(self, path: Path | None = None, cap: int = CAP_BYTES) -> None:
        self.path = path or state_home() / "events.jsonl"
        self.cap = cap
        self.events: deque[Event] = deque(maxlen=KEPT_IN_MEMORY)
        self.problem = ""  # why the file is not being written (or what was skipped reading it)
        self._lock = threading.Lock()
        self._writable = True
        self.count = 0  # events appended (or loaded) so far: a view reads again when it moves
        self.loaded = False  # whether the files' earlier runs are in memory too

    @property
    def rotated(self) -> Path:
        return self.path.with_name(self.path.name + ".1")

    def load(self) -> list[Event]:
        """What the files hold, oldest first. Into memory too, the first time, before what this
        run appended (which the file holds as well: not twice)."""
        loaded, corrupt = [], 0
        for path in (self.rotated, self.path):
            try:
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except FileNotFoundError:
                continue
            except OSError as exc:
                self.problem = f"cannot read {path}: {exc.strerror or exc}"
                continue
            for line in lines:
                event = parse_line(line)
                if event is None:
                    corrupt += 1
                else:
                    loaded.append(event)
        if corrupt:
            self.problem = f"{corrupt} unreadable line{'s' if corrupt > 1 else ''} in {self.path} skipped"
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
                self.path.parent.mkdir(parents=True, exist_ok=True)
                if self.path.exists() and self.path.stat().st_size >= self.cap:
                    os.replace(self.path, self.rotated)
                with self.path.open("a", encoding="utf-8") as file:
                    file.write("".join(event.line() + "\n" for event in batch))
            except OSError as exc:
                self._writable = False
                self.problem = f"cannot write {self.path}: {exc.strerror or exc}; kept in memory only"

    def newest_first(self) -> list[Event]:
        """By time: a host's events reach the store at its next tick, after quicker ones."""
        with self._lock:
            return sorted(self.events, key=lambda event: event.at, reverse=True)
