"""How the storage and network tables change things on a host: on a worker, the outcome back to
their screen as ChangeDone (which says it and reads that host again)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.widget import Widget

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.ui.shared.host_calls import HostReply, call_host


class ChangeDone(HostReply[str]):
    """What was done on host ``uri`` (to report), or why it failed."""

    def __init__(self, uri: str, outcome: str | HostCallError) -> None:
        super().__init__(outcome)
        self.uri = uri


def change(node: Widget, fleet: Fleet, uri: str, work: Callable[[Any], str], what: str) -> None:
    call_host(
        node, lambda: fleet.call(uri, work, what=what, record=True), lambda outcome: ChangeDone(uri, outcome)
    )
