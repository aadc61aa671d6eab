"""Where the sessions' threads post their hosts' snapshots, for the main screen to show.

A hidden widget of its own rather than the screen: Textual repaints the top screen whole each time
a screen below it has handled a message (a covered screen still counts as shown, for a dialog's
sake), so snapshots posted to the main screen itself, one per host per tick, made V's open screen
send 12 MB a minute to the terminal (benchmarks/bench_guest_screen.py).
"""

from __future__ import annotations

from collections.abc import Callable

from textual.widget import Widget

from tuivirt.ui.shared.messages import HostUpdated


class SnapshotInbox(Widget):
    DEFAULT_CSS = "SnapshotInbox { display: none; }"

    def __init__(self, show: Callable[[HostUpdated], None]) -> None:
        super().__init__()
        self.show = show

    def on_host_updated(self, message: HostUpdated) -> None:
        message.stop()  # (not on to the screen)
        self.show(message)
