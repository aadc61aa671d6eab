"""Messages the backend's threads post to the UI loop."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from tuivirt.backend.actions import ActionSpec
from tuivirt.backend.models import DomainSnapshot, HostSnapshot, HostStatus
from tuivirt.format import printable


class HostUpdated(Message):
    """A host session produced a new snapshot (posted from the session's thread)."""

    def __init__(self, snapshot: HostSnapshot, source: object = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.source = source  # the session that made it: one that was disconnected since is ignored

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


@dataclass(frozen=True)
class GuestTarget:
    """A guest an action is aimed at, with what the report needs to name it."""

    key: str
    uuid: str
    name: str
    host_name: str
    host_uri: str

    @classmethod
    def of(cls, key: str, domain: DomainSnapshot, host_uri: str) -> GuestTarget:
        """The guest of a table row; its name escaped, since dialogs and reports draw it."""
        return cls(key, domain.uuid, printable(domain.name), domain.host, host_uri)


@dataclass(frozen=True)
class GuestResult:
    target: GuestTarget
    error: str = ""  # empty: it worked
    warnings: tuple[str, ...] = ()  # it worked, but (a volume that could not be deleted …)


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
