"""What the new-guest form gives back, and the messages its workers post to it."""

from __future__ import annotations

from textual.message import Message

from tuivirt.backend.fleet.fleet import HostCallError
from tuivirt.backend.ops.common.host_offer import HostOffer
from tuivirt.backend.ops.create.osinfo import OsVariant
from tuivirt.ui.shared.host_calls import HostReply


class VariantsRead(Message):
    def __init__(self, variants: tuple[OsVariant, ...]) -> None:
        super().__init__()
        self.variants = variants


class OfferRead(HostReply[HostOffer]):
    """What the host offers: virtualisation types, machines, pools, networks, firmware."""

    def __init__(self, uri: str, outcome: HostOffer | HostCallError) -> None:
        super().__init__(outcome)
        self.uri = uri


class CreateProgress(Message):
    def __init__(self, step: str) -> None:
        super().__init__()
        self.step = step


class CreateReturned(HostReply[str]):
    """The new guest's UUID, or why it could not be created (with nothing left behind)."""
