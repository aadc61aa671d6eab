"""Long work under way (a clone's copy, an upload, a download): a bar, bytes done, the rate and the
time left; Escape cancels. It closes itself when the work ends."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, ProgressBar

from tuivirt.backend.ops.common.progress import Meter, Progress
from tuivirt.format import format_bytes
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainLabel


def duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def progress_line(progress: Progress) -> str:
    """'12 MiB of 100 MiB · 45 MiB/s · 2 s left'"""
    parts = [f"{format_bytes(progress.done)} of {format_bytes(progress.total)}"]
    if progress.rate is not None:
        parts.append(f"{format_bytes(int(progress.rate))}/s")
    if progress.left is not None and progress.done < progress.total:
        parts.append(f"{duration(progress.left)} left")
    return " · ".join(parts)


class ProgressScreen(Keymapped, ModalScreen[None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="progress.cancel")]

    class Moved(Message):
        def __init__(self, progress: Progress) -> None:
            super().__init__()
            self.progress = progress

    class Finished(Message):
        """The work ended (done, failed or cancelled): its outcome goes to whoever started it."""

    def __init__(self, title: str, meter_note: str = "") -> None:
        """``meter_note``: what a cancel does, shown once it is asked for."""
        super().__init__()
        self._title = title
        self._cancel_note = meter_note
        self.meter = Meter(self._report)

    def _report(self, progress: Progress) -> None:
        """On the work's thread: hand it over."""
        self.post_message(self.Moved(progress))

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="progress-dialog"):
            yield PlainLabel(self._title, classes="dialog-title")
            yield Plain("starting…", id="progress-step")
            yield ProgressBar(total=None, show_eta=False, id="progress-bar")
            yield Plain("", id="progress-figures")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (esc)", compact=True, id="cancel")

    @on(Moved)
    def _moved(self, message: Moved) -> None:
        progress = message.progress
        if not self.meter.cancelled.is_set():
            self.query_one("#progress-step", Plain).update(progress.step)
        bar = self.query_one(ProgressBar)
        bar.update(total=max(progress.total, 1), progress=min(progress.done, progress.total))
        self.query_one("#progress-figures", Plain).update(progress_line(progress))

    @on(Finished)
    def _finished(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.meter.cancelled.is_set():
            return
        self.meter.cancel()
        self.query_one("#progress-step", Plain).update(f"Cancelling… {self._cancel_note}".strip())
        self.query_one("#cancel", Button).disabled = True
