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
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker

from tuivirt.backend.fleet.fleet import HostCallError

R = TypeVar("R")


class HostReply(Message, Generic[R]):
    """What a host call gave back, or why it failed. Subclass it, one class per kind of call."""

    def __init__(self, outcome: R | HostCallError) -> None:
        super().__init__()
        self.outcome = outcome


def _shown(node: DOMNode) -> bool:
    """Whether ``node`` is on a screen of the app's stack (not one popped before the reply came)."""
    if node is node.app:
        return True
    if not node.is_attached:
        return False
    if isinstance(node, Screen):
        return node in node.app.screen_stack
    return not isinstance(node, Widget) or node.screen in node.app.screen_stack


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
        except Exception as exc:  # a bug or an answer we did not foresee: said, never a dead worker
            outcome = HostCallError("The call", "this host", f"{type(exc).__name__}: {exc}")
        if _shown(node):  # a reply for a screen that was closed meanwhile is dropped
            node.post_message(reply(outcome))

    worker: Worker[None] = node.run_worker(
        run, thread=True, exit_on_error=False, group=group, exclusive=exclusive
    )
    return worker
