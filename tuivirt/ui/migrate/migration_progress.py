"""Migrations under way: per guest a bar with data processed of the total, the rate, the dirty-page
rate, the iteration and the time left. ``a`` aborts (the guests stay where they were), ``p``
switches to post-copy. One guest: it closes when done; more: each one's outcome stays until Enter."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import ProgressBar

from tuivirt.backend.ops.migrate.job import MigrationControl, MigrationProgress
from tuivirt.format import format_bytes
from tuivirt.ui.shared.dialogs.progress import duration
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainLabel


@dataclass(frozen=True)
class MoveShown:
    key: str  # the guest's row key
    title: str  # "web-01 → rack2"
    control: MigrationControl
    postcopy_allowed: bool


def figures(progress: MigrationProgress) -> str:
    """'40 MiB of 512 MiB, 472 MiB to go · 30 MiB/s · 1200 dirty pages/s · pass 2 · 12 s left'"""
    parts = [
        f"{format_bytes(progress.processed)} of {format_bytes(progress.total)}, "
        f"{format_bytes(progress.remaining)} to go"
    ]
    if progress.rate:
        parts.append(f"{format_bytes(progress.rate)}/s")
    parts.append(f"{progress.dirty_rate} dirty pages/s")
    parts.append(f"pass {progress.iterations}")
    if progress.left_ms is not None:
        parts.append(f"{duration(progress.left_ms / 1000)} left")
    elif progress.rate and progress.remaining:
        parts.append(f"{duration(progress.remaining / progress.rate)} left")
    if progress.postcopy:
        parts.append("post-copy")
    return " · ".join(parts)


class MigrationProgressScreen(Keymapped, ModalScreen[None]):
    BINDINGS = [
        Binding("a,escape", "abort", "Abort", id="migration.abort"),
        Binding("p", "postcopy", "Post-copy", id="migration.postcopy"),
        Binding("enter", "close", "Close", id="migration.close"),
    ]

    class Moved(Message):
        def __init__(self, key: str, progress: MigrationProgress) -> None:
            super().__init__()
            self.key, self.progress = key, progress

    class Ended(Message):
        def __init__(self, key: str, outcome: str, failed: bool) -> None:
            super().__init__()
            self.key, self.outcome, self.failed = key, outcome, failed

    def __init__(self, title: str, moves: list[MoveShown]) -> None:
        super().__init__()
        self._title = title
        self._moves = {move.key: move for move in moves}
        self._ended: set[str] = set()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="migration-dialog"):
            yield PlainLabel(self._title, classes="dialog-title")
            with VerticalScroll(id="migration-list"):
                for index, move in enumerate(self._moves.values()):
                    yield PlainLabel(move.title, classes="migration-guest")
                    yield ProgressBar(total=None, show_eta=False, id=f"bar-{index}")
                    yield Plain("waiting…", id=f"figures-{index}")
            yield Plain(self._keys_line(), id="migration-keys")

    def _keys_line(self) -> str:
        if len(self._ended) == len(self._moves):
            return "Enter: close"
        postcopy = any(m.postcopy_allowed for m in self._moves.values())
        return "a: abort" + (" · p: switch to post-copy" if postcopy else "")

    def _index(self, key: str) -> int:
        return list(self._moves).index(key)

    @on(Moved)
    def _moved(self, message: Moved) -> None:
        index, progress = self._index(message.key), message.progress
        if message.key in self._ended:
            return
        bar = self.query_one(f"#bar-{index}", ProgressBar)
        bar.update(total=max(progress.total, 1), progress=min(progress.processed, progress.total))
        self.query_one(f"#figures-{index}", Plain).update(figures(progress))

    @on(Ended)
    def _ended_one(self, message: Ended) -> None:
        index = self._index(message.key)
        self._ended.add(message.key)
        if not message.failed:
            bar = self.query_one(f"#bar-{index}", ProgressBar)
            bar.update(total=1, progress=1)
        self.query_one(f"#figures-{index}", Plain).update(message.outcome)
        self.query_one("#migration-keys", Plain).update(self._keys_line())
        if len(self._ended) == len(self._moves) and len(self._moves) == 1:
            self.dismiss(None)

    def action_abort(self) -> None:
        under_way = [m for k, m in self._moves.items() if k not in self._ended]
        if not under_way:
            self.dismiss(None)
            return
        if all(m.control.abort.is_set() for m in under_way):
            self.notify("Aborting already: each migration ends at libvirt's next step.")
            return
        for index, move in enumerate(self._moves.values()):
            if move.key not in self._ended and not move.control.abort.is_set():
                move.control.abort.set()
                self.query_one(f"#figures-{index}", Plain).update("aborting…")

    def action_postcopy(self) -> None:
        moves = [m for k, m in self._moves.items() if k not in self._ended and m.postcopy_allowed]
        if not moves:
            self.notify("Post-copy was not allowed when these migrations started.", severity="warning")
            return
        for move in moves:
            move.control.postcopy.set()
        self.notify("Switching to post-copy: the guests run on their targets from now on.")

    def action_close(self) -> None:
        if len(self._ended) == len(self._moves):
            self.dismiss(None)
