"""Long host work with a progress dialog: on a connection of its own (the host's polling goes on),
on a worker thread, with Escape to cancel. Its outcome comes back as a message, as call_host's do.

    run_long(self, fleet, uri, partial(upload, request=request), "Upload x", Uploaded)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.message import Message
from textual.widget import Widget

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.ops.common.progress import Meter
from tuivirt.ui.shared.dialogs.progress import ProgressScreen
from tuivirt.ui.shared.host_calls import call_host


def run_long(
    node: Widget,
    fleet: Fleet,
    uri: str,
    work: Callable[[Any, Meter], str],  # (a libvirt connection, the dialog's meter)
    what: str,
    reply: Callable[[str | HostCallError], Message],
    *,
    cancel_note: str = "",
    guest: str = "",  # the UUID of the guest it is about, for the event log
) -> ProgressScreen:
    progress = ProgressScreen(f"{what} on {fleet.host_name(uri)}", cancel_note)
    node.app.push_screen(progress)
    meter = progress.meter

    def job() -> str:
        try:
            return fleet.call_long(uri, lambda conn: work(conn, meter), what=what, guest=guest)
        finally:
            progress.post_message(ProgressScreen.Finished())

    call_host(node, job, reply, group="long-work")
    return progress
