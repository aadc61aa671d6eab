"""Send a changed part of a line, not the line from the widget's left edge up to that part.

Textual marks a widget's dirty regions exactly (the tables mark one cell), but its
``ChopsUpdate.render_segments`` writes each dirty span from the left edge of the widget's chop
(it crops the right end only; Textual issue 5625). For a guest whose CPU % changed that is the
first 90 columns of the row, each tick, over SSH. This renders each span from its own start.
Installed once by the app; the byte counts in tests/app/test_frame_bytes.py fail without it.
"""

from __future__ import annotations

from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate


def render_spans(update: ChopsUpdate, console: Console) -> str:
    """ChopsUpdate.render_segments, each strip cropped to the span [x1, x2) it was rendered for."""
    sequences: list[str] = []
    last_y = update.spans[-1][0]
    for y, x1, x2 in update.spans:
        for end, (x, strip) in zip(update.chop_ends[y], update.chops[y].items(), strict=False):
            if strip is None or x >= x2 or end <= x1:
                continue
            start, stop = max(x, x1), min(end, x2)
            if start > x or stop < end:
                strip = strip.crop(start - x, stop - x)
            sequences.append(Control.move_to(start, y).segment.text)
            sequences.append(strip.render(console))
        if y != last_y:
            sequences.append("\n")
    return "".join(sequences)


def install() -> None:
    ChopsUpdate.render_segments = render_spans  # type: ignore[method-assign,assignment]
