"""Messages from the fleet's threads, the action worker and the console panel to the main screen."""

from __future__ import annotations

from textual.message import Message

from tuivirt.backend.fleet.targets import GuestResult
from tuivirt.backend.live.models import HostSnapshot, HostStatus
from tuivirt.backend.live.session import HostSession
from tuivirt.backend.ops.lifecycle.actions import ActionSpec


class HostUpdated(Message):
    """A host's new snapshot (posted from its session's thread)."""

    def __init__(self, snapshot: HostSnapshot, source: HostSession | None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.source = source  # the session that made it (None: not connected); stale ones are dropped

    def can_replace(self, message: Message) -> bool:
        """A newer poll of the same host makes a queued older one worthless. Only polls: a "down"
        followed at once by "connecting" must still reach the UI, with its reason."""
        return (
            isinstance(message, HostUpdated)
            and message.snapshot.config == self.snapshot.config
            and message.source is self.source
            and message.snapshot.status is HostStatus.UP
            and self.snapshot.status is HostStatus.UP
        )


class HostRemoved(Message):
    def __init__(self, uri: str) -> None:
        super().__init__()
        self.uri = uri


class GuestActionReturned(Message):
    """One guest's call came back (posted from the action worker)."""

    def __init__(self, result: GuestResult) -> None:
        super().__init__()
        self.result = result


class ActionsFinished(Message):
    """Every guest of one user action came back: time to report."""

    def __init__(self, spec: ActionSpec, results: list[GuestResult]) -> None:
        super().__init__()
        self.spec = spec
        self.results = results


class PanelFullScreen(Message):
    """The panel beside the tables (the consoles) asks for the whole screen, or gives it back."""


class BackToTables(Message):
    """The panel beside the tables lets the tables have the keys (left, or its last console closed)."""
