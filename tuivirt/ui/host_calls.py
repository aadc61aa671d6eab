"""The one way a screen calls a host: on a worker thread, with the answer back as a typed message.

    call_host(self, lambda: fleet.call(uri, read_details, what=f"read {name}"), DetailsRead)

``job`` runs on a thread (it may block on a slow host); what it returns, or the HostCallError it
raises (what failed, on which host, libvirt's reason), comes back as ``reply(outcome)``, posted to
``node`` on the UI loop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker

from tuivirt.backend.fleet.fleet import HostCallError

R = TypeVar("R")


class HostReply(Message, Generic[R]):
    """What a host call gave back, or why it failed. Subclass it, one class per kind of call."""

    def __init__(self, outcome: R | HostCallError) -> None:
        super().__init__()
        self.outcome = outcome


def call_host(
    node: DOMNode,
    job: Callable[[], R],
    reply: Callable[[R | HostCallError], Message],
    *,
    group: str = "host-call",
    exclusive: bool = False,
) -> Worker[None]:
    def run() -> None:
        outcome: R | HostCallError
        try:
            outcome = job()
        except HostCallError as exc:
            outcome = exc
        node.post_message(reply(outcome))

    worker: Worker[None] = node.run_worker(
        run, thread=True, exit_on_error=False, group=group, exclusive=exclusive
    )
    return worker
