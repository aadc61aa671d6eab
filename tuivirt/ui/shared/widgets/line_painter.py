"""The painting half of SnapshotTable: draw the visible lines with the line API and, after each
update, refresh only the screen lines (or cells) whose content differs from what was last painted,
and nothing while a full screen covers the table."""

from __future__ import annotations

from typing import Generic, TypeVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.screen import ModalScreen, Screen
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuivirt.ui.shared.widgets.table_layout import Column, RowLine

T = TypeVar("T")


class LinePainter(ScrollView, Generic[T]):
    """Mixed into SnapshotTable, which keeps the rows (the attributes below) and their cells."""

    columns: list[Column[T]]
    cursor_key: str | None
    _order: list[str]  # the lines below the column header: rows and group headers
    _titles: dict[str, str]  # group header key -> its line
    _visible: list[Column[T]]
    _widths: list[int]
    _painted: dict[int, tuple[object, ...]]
    _stale: bool  # changes left unpainted while a full screen covered this one
    _sort_key: str
    _reverse: bool

    def _row_cells(self, key: str) -> tuple[Text, ...]:
        raise NotImplementedError

    def _row_shown(self, key: str) -> tuple[tuple[object, ...], ...]:
        raise NotImplementedError

    def _line_signature(self, y: int) -> tuple[object, ...]:
        """What screen line ``y`` shows; a line is repainted only when this changes."""
        if y == 0:
            return ("header", self._sort_key, self._reverse, tuple(self._widths))
        index = int(self.scroll_y) + y - 1
        if index >= len(self._order):
            return ("blank",)
        key = self._order[index]
        if key in self._titles:
            return ("group", self._titles[key], self.size.width)
        return RowLine(key, self._row_shown(key), key == self.cursor_key, tuple(self._widths))

    def on_mount(self) -> None:
        self.app.screen_change_signal.subscribe(self, self._screen_changed)

    def _covered(self) -> bool:
        """Whether a full screen (not a dialog) is over this table's screen. Nothing of it shows
        then, yet Textual passes its repaints up to the top screen, which repaints whole for them
        (with V open, 12 MB a minute to the terminal: benchmarks/bench_guest_screen.py)."""
        if not self.is_attached:
            return False
        stack = self.app.screen_stack
        above = stack[stack.index(self.screen) + 1 :] if self.screen in stack else []
        return any(not isinstance(screen, ModalScreen) for screen in above)

    def _screen_changed(self, _screen: Screen[object]) -> None:
        if self._stale and not self._covered():  # back in sight: paint what changed meanwhile
            self._stale = False
            self._painted.clear()
            self.refresh()

    def _repaint_changed(self) -> None:
        """Mark for repaint what changed since the last paint: a whole line when its row, its
        cursor or the column widths changed, else only the cells whose text changed (over SSH a
        tick that moves one guest's CPU% sends a few bytes, not a 160-column line). Nothing while
        a full screen covers it."""
        if self._covered():
            self._stale = True
            return
        width = self.size.width
        for y in range(self.size.height):
            new = self._line_signature(y)
            old = self._painted.get(y)
            if old == new:
                continue
            cells = self._changed_cells(old, new)
            if cells is None:
                self.refresh(Region(0, y, width, 1))
            for x, cell_width in cells or ():
                self.refresh(Region(x, y, cell_width, 1))

    def _changed_cells(
        self, old: tuple[object, ...] | None, new: tuple[object, ...]
    ) -> list[tuple[int, int]] | None:
        """(x, width) of each visible cell that differs between two paints of the same row in the
        same place; None when more than cells changed."""
        if not (isinstance(old, RowLine) and isinstance(new, RowLine)) or old.key != new.key:
            return None
        if old.cursor != new.cursor or old.widths != new.widths:
            return None
        changed, x = [], 0
        for column, column_width in zip(self._visible, self._widths, strict=True):
            index = self.columns.index(column)
            if old.cells[index] != new.cells[index]:
                changed.append((x, column_width))
            x += column_width + 1
        return changed

    def render_line(self, y: int) -> Strip:
        self._painted[y] = self._line_signature(y)
        width = self.size.width
        if y == 0:
            return self._strip(
                self._header_cells(), width, self.get_component_rich_style("snapshot-table--header")
            )
        index = int(self.scroll_y) + y - 1
        if index >= len(self._order):
            return Strip.blank(width, self.rich_style)
        key = self._order[index]
        if key in self._titles:
            title = self.rich_style + self.get_component_rich_style("snapshot-table--group")
            return Strip([Segment(self._titles[key], title)]).adjust_cell_length(width, title)
        cells = self._row_cells(key)
        style = self.get_component_rich_style("snapshot-table--cursor") if key == self.cursor_key else None
        return self._strip([cells[self.columns.index(c)] for c in self._visible], width, style)

    def _header_cells(self) -> list[Text]:
        arrow = "▼" if self._reverse else "▲"
        return [Text(c.label + (arrow if c.key == self._sort_key else "")) for c in self._visible]

    def _strip(self, cells: list[Text], width: int, line_style: Style | None) -> Strip:
        """One line: each cell's segments merged where their style is the same (every segment
        costs a style sequence on the wire), but never across cells, so that repainting one
        cell sends that cell."""
        base = self.rich_style + line_style if line_style else self.rich_style
        console = self.app.console
        segments: list[Segment] = []
        for text, column, column_width in zip(cells, self._visible, self._widths, strict=True):
            cell = text.copy()
            cell.truncate(column_width, overflow="ellipsis")
            pad = Segment(" " * (column_width - cell.cell_len), base)
            # Text.render() leaves out the Text's own style (it renders only the spans): add it back.
            own = base + console.get_style(cell.style) if cell.style else base
            content = [Segment(s.text, own + s.style if s.style else own) for s in cell.render(console)]
            parts = [pad, *content] if column.align == "right" else [*content, pad]
            segments.extend(Segment.simplify([*parts, Segment(" ", base)]))
        return Strip(segments).adjust_cell_length(width, base)
