"""The bridge between a guest's byte stream and a screen: pyte does the terminal emulation.

Bytes from the guest go in with ``feed``; the answers the guest asked for (cursor position,
device attributes) come back from ``feed`` to be written to the guest. The screen is read
by whoever draws it through ``frame``: the lines changed since the last frame, copied at once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pyte
from pyte.screens import Char

SCROLLBACK_LINES = 10_000
FEED_CHUNK = 1024  # bytes fed per lock hold, so a flood never keeps the drawer waiting long


@dataclass(frozen=True)
class Cell:
    """One character with its attributes, as the UI draws it (colours as pyte names them)."""

    data: str
    fg: str
    bg: str
    bold: bool
    italics: bool
    underscore: bool
    reverse: bool


class _AnsweringScreen(pyte.HistoryScreen):
    """A pyte screen that keeps the answers to the guest's queries instead of dropping them."""

    def __init__(self, columns: int, lines: int) -> None:
        super().__init__(columns, lines, history=SCROLLBACK_LINES, ratio=0.5)
        self.answers: list[str] = []

    def write_process_input(self, data: str) -> None:
        self.answers.append(data)


class TerminalEmulator:
    """A terminal screen of ``rows`` x ``columns`` with 10,000 lines of scrollback."""

    def __init__(self, rows: int = 24, columns: int = 80) -> None:
        self.lock = threading.Lock()
        self._screen = _AnsweringScreen(columns, rows)
        self._stream = pyte.ByteStream(self._screen)
        self._dirty: set[int] = set(range(rows))

    @property
    def size(self) -> tuple[int, int]:
        return self._screen.lines, self._screen.columns

    def feed(self, data: bytes) -> bytes:
        """Take output from the guest; return the bytes to answer it with (often none)."""
        answers = []
        for start in range(0, len(data), FEED_CHUNK):
            with self.lock:
                self._stream.feed(data[start : start + FEED_CHUNK])
                self._dirty |= self._screen.dirty
                self._screen.dirty.clear()
                answers += self._screen.answers
                self._screen.answers.clear()
        return "".join(answers).encode()

    @property
    def changed(self) -> bool:
        """Lines changed since the last frame (read without the lock: a hint to look again)."""
        return bool(self._dirty)

    def resize(self, rows: int, columns: int) -> None:
        with self.lock:
            if (rows, columns) != self.size:
                self._screen.resize(rows, columns)
                self._dirty = set(range(rows))

    def frame(
        self, also: set[int], everything: bool = False
    ) -> tuple[dict[int, list[Cell]], tuple[int, int] | None, int]:
        """Under one hold of the lock: the changed lines (plus ``also``, plus the cursor's), the
        cursor, and the number of rows. A drawer copies this and paints without the lock."""
        with self.lock:
            rows = self._screen.lines
            lines = set(range(rows)) if everything else self._dirty | also
            self._dirty = set()
            cursor = self.cursor()
            if cursor is not None:
                lines.add(cursor[0])
            return {y: self.line(y) for y in lines if y < rows}, cursor, rows

    def line(self, y: int) -> list[Cell]:
        """Line ``y`` of the visible screen (call with ``lock`` held for a consistent frame)."""
        row = self._screen.buffer[y]
        return [_cell(row[x]) for x in range(self._screen.columns)]

    def cursor(self) -> tuple[int, int] | None:
        """(row, column) of the cursor, None when hidden or scrolled back."""
        screen = self._screen
        at_bottom = screen.history.position >= screen.history.size
        return None if screen.cursor.hidden or not at_bottom else (screen.cursor.y, screen.cursor.x)

    def text(self) -> str:
        """The visible screen as plain text, for tests and logs."""
        with self.lock:
            return "\n".join(line.rstrip() for line in self._screen.display)

    def scroll(self, pages: int) -> None:
        """Page back (negative) or forward in the scrollback."""
        with self.lock:
            for _ in range(abs(pages)):
                (self._screen.prev_page if pages < 0 else self._screen.next_page)()
            self._dirty = set(range(self._screen.lines))

    @property
    def scrolled_back(self) -> bool:
        history = self._screen.history
        return bool(history.position < history.size)


def _cell(char: Char) -> Cell:
    return Cell(char.data, char.fg, char.bg, char.bold, char.italics, char.underscore, char.reverse)
