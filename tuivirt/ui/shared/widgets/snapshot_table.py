"""A keyed, sortable, filterable table that repaints only the lines whose text changed.

Textual's DataTable repaints the whole widget on any cell update and cannot hide rows or
columns; over an SSH link a table of hundreds of guests refreshed every two seconds must send
only what changed. This widget keeps rows as items keyed by a string, sorts and filters them
in Python; its painting half (line_painter.py) draws the visible lines with the line API, and
after each update refreshes just the screen lines whose content differs from what was last painted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar, TypeVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message

from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import plain
from tuivirt.ui.shared.widgets.line_painter import LinePainter
from tuivirt.ui.shared.widgets.table_layout import Column, fit_columns

T = TypeVar("T")
GROUP = "\x00group:"  # starts the key of a group header line (no item's key does)


class SnapshotTable(Keymapped, LinePainter[T], can_focus=True):
    """Rows of items of type ``T`` keyed by string; a fixed header line on top."""

    DEFAULT_CSS = """
    SnapshotTable { scrollbar-size-vertical: 1; overflow-x: hidden; }
    SnapshotTable > .snapshot-table--header { text-style: bold; }
    SnapshotTable > .snapshot-table--group { text-style: bold; color: $accent; }
    SnapshotTable > .snapshot-table--cursor { background: $block-cursor-blurred-background; }
    SnapshotTable:focus > .snapshot-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: bold;
    }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "snapshot-table--header",
        "snapshot-table--cursor",
        "snapshot-table--group",
    }
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor(-1)", "Up", show=False, id="table.up"),
        Binding("down,j", "cursor(1)", "Down", show=False, id="table.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "cursor_to(0)", "First row", show=False, id="table.first"),
        Binding("end,G", "cursor_to(-1)", "Last row", show=False, id="table.last"),
        Binding("enter", "select", "Details", show=False, id="table.select"),
    ]

    class _RowMessage(Message):
        def __init__(self, table: SnapshotTable[Any], key: str | None) -> None:
            super().__init__()
            self.table = table
            self.key = key

        @property
        def control(self) -> SnapshotTable[Any]:
            return self.table

    class CursorMoved(_RowMessage):
        """The highlighted row changed (``key`` is None when the table is empty)."""

    class RowSelected(_RowMessage):
        """Enter on a row (``key`` is that row's)."""

    def __init__(
        self,
        columns: Iterable[Column[T]],
        *,
        filter_text: Callable[[T], str] | None = None,
        tie_break: Callable[[T], Any] | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name for it
    ) -> None:
        super().__init__(id=id)
        self.columns = list(columns)
        self._filter_text = filter_text or (lambda item: "")
        self._tie_break = tie_break or (lambda item: 0)
        self._items: dict[str, T] = {}
        self._cells: dict[str, tuple[Text, ...]] = {}
        self._shown: dict[str, tuple[tuple[object, ...], ...]] = {}  # what each row's cells show
        self._order: list[str] = []  # the lines below the column header: rows and group headers
        self._titles: dict[str, str] = {}  # group header key -> its line
        self._sort_key = self.columns[0].key
        self._reverse = False
        self._filter = ""
        self.cursor_key: str | None = None
        # The cursor's row while it is away (its host down): the cursor goes back to it when it
        # returns, and meanwhile rests on no row rather than on a neighbour an action would hit.
        self.held_key: str | None = None
        self._visible: list[Column[T]] = self.columns
        self._widths: list[int] = [c.width for c in self.columns]
        self._painted: dict[int, tuple[object, ...]] = {}
        self._stale = False  # changes left unpainted while a full screen covered this one
        # Grouped: a header line before each group's rows (keys starting with GROUP, never an
        # item's). ``group_of`` names an item's group; ``group_title`` says what a header shows.
        self.group_of: Callable[[T], str] | None = None
        self.group_title: Callable[[str, list[T]], str] = lambda name, items: f"{name} ({len(items)})"

    # -- data ------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        """Rows shown (after the filter), group headers not counted."""
        return len(self._order) - len(self._titles)

    @property
    def keys(self) -> list[str]:
        """Keys of the rows shown, in display order (no group headers)."""
        return [key for key in self._order if key not in self._titles] if self._titles else list(self._order)

    @property
    def visible_columns(self) -> list[str]:
        """Keys of the columns that fit the current width."""
        return [c.key for c in self._visible]

    def item(self, key: str) -> T | None:
        return self._items.get(key)

    def cell_text(self, key: str, column_key: str) -> str:
        index = next(i for i, c in enumerate(self.columns) if c.key == column_key)
        return self._row_cells(key)[index].plain

    def _row_cells(self, key: str) -> tuple[Text, ...]:
        """A row's cells, built when first needed: only rows on screen are ever drawn, so a tick
        that changes a thousand rows builds cells for the few dozen that are visible."""
        cells = self._cells.get(key)
        if cells is None:
            item = self._items[key]
            cells = self._cells[key] = tuple(self._as_text(c.cell(item)) for c in self.columns)
            # Rich's Text equality ignores the Text's own style: compare what the cell shows.
            self._shown[key] = tuple((c.plain, c.style, tuple(c.spans)) for c in cells)
        return cells

    def _row_shown(self, key: str) -> tuple[tuple[object, ...], ...]:
        self._row_cells(key)
        return self._shown[key]

    def update_items(
        self, items: dict[str, T], *, replace_keys: Iterable[str] = (), hold_cursor: bool = False
    ) -> None:
        """Add or change ``items``, and drop the keys in ``replace_keys`` that are not in it.
        ``hold_cursor``: the dropped rows will be back; if the cursor was on one, it waits for it.

        Sorting and filtering run again only when rows came or went or a changed row's sort
        value or filter text moved; otherwise only the changed lines are repainted.
        """
        gone = [key for key in replace_keys if key not in items and key in self._items]
        reorder = bool(gone)
        if hold_cursor and self.cursor_key in gone:
            self.held_key = self.cursor_key
        for key in gone:
            del self._items[key]
            self._cells.pop(key, None)
            self._shown.pop(key, None)
        changed = False
        for key, item in items.items():
            old = self._items.get(key)
            if old == item:
                continue
            self._items[key] = item
            self._cells.pop(key, None)
            changed = True
            if old is None:
                reorder = True
            elif not reorder:
                reorder = (
                    self._sort_value_of(old, key) != self._sort_value(key)
                    or (bool(self._filter) and self._filter_text(old) != self._filter_text(item))
                    or (self.group_of is not None and self.group_of(old) != self.group_of(item))
                )
        if reorder:
            self._reorder()
        else:
            if changed and self._titles:
                self._retitle()  # a row changed in place: its group's counts may have
            self._repaint_changed()

    def rerender(self) -> None:
        """Compute every row's cells again (for cells that depend on the clock)."""
        self._cells.clear()  # (each row's _shown is rebuilt with its cells)
        self._repaint_changed()

    @staticmethod
    def _as_text(value: str | Text) -> Text:
        """A cell: never markup; a control character in outside text (a name, a reason) escaped."""
        return plain(value)

    # -- sort and filter -------------------------------------------------------------------

    @property
    def sort_column(self) -> Column[T]:
        return next(c for c in self.columns if c.key == self._sort_key)

    @property
    def sort_reverse(self) -> bool:
        return self._reverse

    def sort_by(self, column_key: str, reverse: bool = False) -> None:
        self._sort_key, self._reverse = column_key, reverse
        self._reorder()
        self._painted.clear()
        self.refresh()  # the header's arrow moved

    def sort_step(self, step: int) -> None:
        """Sort by the next (``step`` 1) or previous (-1) column, in the same direction."""
        keys = [c.key for c in self.columns]
        self.sort_by(keys[(keys.index(self.sort_column.key) + step) % len(keys)], self._reverse)

    def set_filter(self, text: str) -> None:
        self._filter = text.strip().lower()
        self._reorder()

    def _sort_value(self, key: str) -> Any:
        column = self.sort_column
        if column.sort_key is not None:
            return column.sort_key(self._items[key])
        return self._row_cells(key)[self.columns.index(column)].plain.lower()

    def _sort_value_of(self, item: T, key: str) -> Any:
        """The sort value an item had (its cells are gone, so text columns are computed again)."""
        column = self.sort_column
        if column.sort_key is not None:
            return column.sort_key(item)
        return self._as_text(column.cell(item)).plain.lower()

    def _reorder(self) -> None:
        """Filter, then sort by the sort column (ties by ``tie_break``), missing values last."""
        keys = list(self._items)
        if self._filter:
            keys = [k for k in keys if self._filter in self._filter_text(self._items[k]).lower()]
        keys.sort(key=lambda k: self._tie_break(self._items[k]))
        values = {k: self._sort_value(k) for k in keys}
        present = [k for k in keys if values[k] is not None]
        present.sort(key=values.__getitem__, reverse=self._reverse)
        old_index = self.cursor_row
        self._order = present + [k for k in keys if values[k] is None]
        self._titles = {}
        if self.group_of is not None:
            self._order = self._grouped(self._order, self.group_of)
        self.virtual_size = Size(self.size.width, len(self._order) + 1)
        if self.held_key in self._order:
            self._set_cursor(self._order.index(self.held_key))
            self.held_key = None
        elif self.held_key is not None:
            self._set_cursor(-1)
        elif self.cursor_key not in self._order:
            self._set_cursor(min(max(old_index, 0), len(self._order) - 1))
        self._repaint_changed()

    def _grouped(self, order: list[str], group_of: Callable[[T], str]) -> list[str]:
        """``order`` regrouped (groups by name, the sort kept within each), each after its header."""
        groups: dict[str, list[str]] = {}
        for key in order:
            groups.setdefault(group_of(self._items[key]), []).append(key)
        lines = []
        for name in sorted(groups, key=lambda n: (n == "", n.lower())):
            header = f"{GROUP}{name}"
            self._titles[header] = self.group_title(name, [self._items[k] for k in groups[name]])
            lines += [header, *groups[name]]
        return lines

    def _retitle(self) -> None:
        """Each group header's line again, from its group's rows as they are now."""
        assert self.group_of is not None
        members: dict[str, list[T]] = {header: [] for header in self._titles}
        for key in self._order:
            if key not in self._titles:
                members[GROUP + self.group_of(self._items[key])].append(self._items[key])
        for header, rows in members.items():
            self._titles[header] = self.group_title(header.removeprefix(GROUP), rows)

    def set_grouping(self, group_of: Callable[[T], str] | None, title: Callable[[str, list[T]], str]) -> None:
        self.group_of, self.group_title = group_of, title
        self._reorder()
        self._painted.clear()
        self.refresh()

    # -- cursor ----------------------------------------------------------------------------

    @property
    def cursor_row(self) -> int:
        return self._order.index(self.cursor_key) if self.cursor_key in self._order else -1

    def _set_cursor(self, index: int, step: int = 1) -> None:
        """The row at ``index``; on a group header, the next row that way (``step``), else back."""
        if 0 <= index < len(self._order) and self._order[index] in self._titles:
            rows = [i for i, key in enumerate(self._order) if key not in self._titles]
            ahead = [i for i in rows if (i - index) * step > 0]
            index = (
                (min(ahead, key=lambda i: abs(i - index)) if ahead else rows[-1 if step > 0 else 0])
                if rows
                else -1
            )
        key = self._order[index] if 0 <= index < len(self._order) else None
        if key != self.cursor_key:
            self.cursor_key = key
            self.post_message(self.CursorMoved(self, key))
        if index >= 0:
            self._scroll_to_row(index)
        self._repaint_changed()

    def release_held(self) -> None:
        """The held row will not come back (its guest is gone): leave the cursor where it is."""
        self.held_key = None

    def select_key(self, key: str) -> bool:
        """Move the cursor to ``key`` if it is shown."""
        if key not in self._order:
            return False
        self.held_key = None
        self._set_cursor(self._order.index(key))
        return True

    def keys_on_screen(self) -> list[str]:
        """The rows in view now (no group headers)."""
        top = int(self.scroll_y)
        return [
            key for key in self._order[top : top + max(1, self.size.height - 1)] if key not in self._titles
        ]

    def _scroll_to_row(self, index: int) -> None:
        body = max(1, self.size.height - 1)
        top = int(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= top + body:
            self.scroll_to(y=index - body + 1, animate=False, immediate=True)

    def action_cursor(self, delta: int) -> None:
        self.held_key = None
        if self._order:
            self._set_cursor(
                max(0, min(len(self._order) - 1, self.cursor_row + delta)), -1 if delta < 0 else 1
            )

    def action_page(self, direction: int) -> None:
        self.action_cursor(direction * max(1, self.size.height - 2))

    def action_cursor_to(self, index: int) -> None:
        self.held_key = None
        if self._order:
            self._set_cursor(index if index >= 0 else len(self._order) - 1, -1 if index < 0 else 1)

    def action_select(self) -> None:
        if self.cursor_key is not None:
            self.post_message(self.RowSelected(self, self.cursor_key))

    # -- layout and painting ---------------------------------------------------------------

    def on_resize(self) -> None:
        self._fit_columns(self.size.width - 1)  # one cell for the scrollbar
        self.virtual_size = Size(self.size.width, len(self._order) + 1)
        self._painted.clear()
        self.refresh()

    def _fit_columns(self, width: int) -> None:
        self._visible, self._widths = fit_columns(self.fitting_columns(), width)

    def fitting_columns(self) -> list[Column[T]]:
        """The columns that may be shown, as width allows (a table may leave out an empty one)."""
        return self.columns
