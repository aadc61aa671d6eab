"""Actions under way, per guest row: what the row shows until the new state is seen.

Pure logic (no Textual), so the rules are tested directly.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tuivirt.backend.live.models import DomainState
from tuivirt.backend.ops.lifecycle.actions import Action, ActionSpec


@dataclass
class Pending:
    spec: ActionSpec
    since: float
    deadline: float | None = None  # shutdown: when to offer force off
    returned: bool = False  # the libvirt call came back


class PendingActions:
    """Row key -> the action under way on it."""

    def __init__(self) -> None:
        self._rows: dict[str, Pending] = {}
        self._notes: dict[str, str] = {}  # long work on a row ("migrating → b"), until it ends

    def note(self, key: str, text: str | None) -> None:
        if text is None:
            self._notes.pop(key, None)
        else:
            self._notes[key] = text

    def begin(self, key: str, spec: ActionSpec, now: float, shutdown_timeout: float) -> None:
        deadline = now + shutdown_timeout if spec.action is Action.SHUTDOWN else None
        self._rows[key] = Pending(spec, now, deadline)

    def returned(self, key: str, ok: bool) -> None:
        """The call finished: a failure clears the row; an action with no end state is done."""
        pending = self._rows.get(key)
        if pending is None:
            return
        if not ok or pending.spec.settled is None:
            del self._rows[key]
        else:
            pending.returned = True

    def observe(self, key: str, state: DomainState) -> bool:
        """A snapshot or event showed the row's state: clear it once the action's end state shows
        (True then: the row's label changes)."""
        pending = self._rows.get(key)
        if pending and pending.returned and pending.spec.settled and state in pending.spec.settled:
            del self._rows[key]
            return True
        return False

    def observe_all(self, prefix: str, states: Callable[[], Mapping[str, DomainState]]) -> list[str]:
        """``observe`` for each row under way whose key starts with ``prefix`` (one host's), with
        ``states()`` (read only if there is one); the keys cleared."""
        keys = [k for k in self._rows if k.startswith(prefix)]
        if not keys:
            return []
        known = states()
        return [k for k in keys if k in known and self.observe(k, known[k])]

    def forget(self, key: str) -> None:
        self._rows.pop(key, None)

    def label(self, key: str) -> str | None:
        pending = self._rows.get(key)
        return pending.spec.progress if pending else self._notes.get(key)

    def overdue_shutdowns(self, now: float) -> list[str]:
        """Rows whose shutdown outlived its timeout; each is reported once until extended."""
        keys = [k for k, p in self._rows.items() if p.deadline is not None and p.deadline <= now]
        for key in keys:
            self._rows[key].deadline = None
        return keys

    def extend(self, key: str, now: float, seconds: float) -> None:
        pending = self._rows.get(key)
        if pending is not None:
            pending.deadline = now + seconds
