"""A table's columns: what each shows, and which of them fit a width (SnapshotTable's layout)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, NamedTuple, TypeVar

from rich.text import Text

T = TypeVar("T")


@dataclass(frozen=True)
class Column(Generic[T]):
    """How one column reads an item. Lower ``priority`` columns survive narrow terminals."""

    key: str
    label: str
    width: int
    cell: Callable[[T], str | Text]
    sort_key: Callable[[T], Any] | None = None  # default: the cell's text
    align: Literal["left", "right"] = "left"
    priority: int = 0
    flex: bool = False  # takes the width left over (one column per table) ...
    max_width: int = 0  # ... up to this many cells (0: no limit)


class RowLine(NamedTuple):
    """What a screen line showing a row was painted from (the header and blank lines are plain tuples)."""

    key: str
    cells: tuple[tuple[object, ...], ...]
    cursor: bool
    widths: tuple[int, ...]


def fit_columns(columns: list[Column[T]], width: int) -> tuple[list[Column[T]], list[int]]:
    """Drop the least important columns until the rest fit; the flex column takes what is left.
    The columns shown and their widths.

    Before a column of priority 0 goes, the flex column gives up width (down to its label's):
    on a tiny terminal the hosts table keeps both the host's name and its state.
    """
    visible = list(columns)
    flex = next((c for c in columns if c.flex), None)
    while len(visible) > 1 and (needed := sum(c.width + 1 for c in visible)) > width:
        worst = max(visible, key=lambda c: (c.priority, columns.index(c)))
        if worst.priority == 0 and flex in visible and needed - width <= flex.width - len(flex.label):
            break
        visible.remove(worst)
    spare = width - sum(c.width + 1 for c in visible)  # below 0 only when the flex column shrinks
    widths = [
        c.width + (min(spare, max(0, c.max_width - c.width)) if c.max_width and spare > 0 else spare)
        if c.flex
        else c.width
        for c in visible
    ]
    return visible, widths
