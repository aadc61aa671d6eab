"""What the editor's sections share: the guest as last read, the way to ask for a change, and the
reasons shown beside the fields."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import on
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import DataTable

from tuivirt.backend.ops.common.host_offer import HostOffer
from tuivirt.backend.ops.editor.guest_config import DiskConfig, GuestConfig, NicConfig
from tuivirt.ui.shared.form_rows import show_reasons
from tuivirt.ui.shared.plain import Plain, plain


@dataclass(frozen=True)
class EditorData:
    """Read when the editor opens and after every change: the guest, what its host offers, and
    the MACs already in use on the host."""

    config: GuestConfig
    offer: HostOffer
    macs: frozenset[str]
    host_cpus: int
    host_memory_kib: int


def when(now: bool, next_boot: bool) -> str:
    """Where a device is: in both definitions (said as nothing), or in one of them only."""
    return "" if now and next_boot else ("until shutdown" if now else "next boot")


def detach_words(device: DiskConfig | NicConfig) -> str:
    """What a detach does to this device: the confirmation says it before."""
    if device.now:  # (only a running guest's devices are)
        words = "It leaves the running guest once the guest releases it"
        return words + (", and the next boot's definition." if device.next_boot else ".")
    return "It leaves the next boot's definition."


class ChangeRequested(Message):
    """A section asks the screen to run ``work(conn) -> report`` on a worker (a Release: a detach
    to wait for, then its report)."""

    def __init__(self, what: str, work: Callable[[Any], object]) -> None:
        super().__init__()
        self.what = what
        self.work = work


class Section(VerticalScroll):
    """One tab of the editor. ``show`` is called with fresh data after each read."""

    data: EditorData | None = None

    def show(self, data: EditorData) -> None:
        self.data = data
        self.refresh_bindings()

    def request(self, what: str, work: Callable[[Any], object]) -> None:
        self.post_message(ChangeRequested(what, work))

    def show_reasons(self, errors: dict[str, str], hints: dict[str, str] | None = None) -> None:
        show_reasons(self, errors, hints)


class DeviceSection(Section):
    """A section listing devices in its DataTable, with a note below, acting on the one under the
    cursor."""

    def fill(self, rows: Sequence[Sequence[str]], note: str) -> None:
        table: DataTable[Text] = self.query_one(DataTable)
        cursor = table.cursor_row
        table.clear()
        for cells in rows:
            table.add_row(*map(plain, cells))
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        self.query_one(".device-note", Plain).update(note)

    def selected_index(self) -> int | None:
        """The row under the cursor (None before the first read, or with no rows)."""
        if self.data is None:  # (the footer asks before the table is filled)
            return None
        table: DataTable[Text] = self.query_one(DataTable)
        return min(table.cursor_row, table.row_count - 1) if table.row_count else None

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()
