"""The guests an action aims at, and what came back for each."""

from __future__ import annotations

from dataclasses import dataclass

from tuivirt.backend.live.models import DomainSnapshot
from tuivirt.format import printable


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
