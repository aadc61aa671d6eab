"""Messages the backend's threads post to the UI loop."""

from __future__ import annotations

from textual.message import Message

from tuivirt.backend.models import HostSnapshot


class HostUpdated(Message):
    """A host session produced a new snapshot (posted from the session's thread)."""

    def __init__(self, snapshot: HostSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        """A newer snapshot of the same host makes a queued older one worthless."""
        return isinstance(message, HostUpdated) and message.snapshot.config == self.snapshot.config
