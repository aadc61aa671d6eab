"""Messages the backend's threads post to the UI loop."""

from __future__ import annotations

from textual.message import Message

from tuivirt.backend.models import HostSnapshot


class HostUpdated(Message):
    """A host session produced a new snapshot (posted from the session's thread)."""

    def __init__(self, snapshot: HostSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot
