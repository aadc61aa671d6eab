"""`L`: one timeline of every host's events and of tuivirt's own actions, newest first. Type to
filter (any column); Enter goes to the guest's row. The log is kept in
$XDG_STATE_HOME/tuivirt/events.jsonl (`tuivirt log` prints it)."""

from __future__ import annotations

from datetime import datetime

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input

from tuivirt.backend.eventlog.store import Event
from tuivirt.backend.fleet.fleet import Fleet
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, plain
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader
from tuivirt.ui.shared.widgets.domains_table import row_key

CHECK_SECONDS = 1.0
SHOWN = 2000  # lines in the table: the newest


def _cells(event: Event) -> tuple[str, str, str, str, str]:
    when = datetime.fromtimestamp(event.at).strftime("%m-%d %H:%M:%S")
    text = f"{event.text} ({event.user})" if event.user else event.text
    return when, event.host, event.guest or "-", event.kind, text


class EventLogScreen(Keymapped, Screen[str | None]):
    """Dismissed with the row key of the guest to go to, or None."""

    BINDINGS = [
        Binding("escape,L", "back", "Back", id="log.close"),
        Binding("slash", "filter", "Filter", id="log.filter"),
    ]

    def __init__(self, fleet: Fleet) -> None:
        super().__init__()
        self._store = fleet.events
        self._seen = -1
        self._events: list[Event] = []

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Input(placeholder="filter: host, guest, kind or text (/)", id="log-filter", compact=True)
        yield Plain("", id="log-status")
        yield DataTable(id="log-table", cursor_type="row", zebra_stripes=True)
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = "Event log"
        table = self.query_one(DataTable)
        table.add_columns("When", "Host", "Guest", "Kind", "What")
        table.focus()
        self._fill()
        self.set_interval(CHECK_SECONDS, self._fill)
        if not self._store.loaded:  # the earlier runs' events, read from the file on a thread
            self.run_worker(self._load_history, thread=True, exit_on_error=False)

    def _load_history(self) -> None:
        self._store.load()
        self.app.call_from_thread(self._fill)

    def _fill(self, force: bool = False) -> None:
        if self._store.count == self._seen and not force:
            return
        self._seen = self._store.count
        wanted = self.query_one("#log-filter", Input).value.strip().lower()
        events = [
            e for e in self._store.newest_first() if not wanted or wanted in " ".join(_cells(e)).lower()
        ]
        table = self.query_one(DataTable)
        row = table.cursor_row
        selected = self._events[row] if 0 < row < len(self._events) else None  # (the top follows new ones)
        self._events = events[:SHOWN]
        table.clear()
        for event in self._events:
            table.add_row(*map(plain, _cells(event)))
        if selected in self._events:  # the cursor stays on its event as new ones come in above
            table.move_cursor(row=self._events.index(selected), animate=False)
        status = f"{len(events)} events" + (f" · {self._store.problem}" if self._store.problem else "")
        self.query_one("#log-status", Plain).update(status)

    @on(Input.Changed, "#log-filter")
    def _filtered(self) -> None:
        self._fill(force=True)

    @on(Input.Submitted, "#log-filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        self.query_one("#log-filter", Input).focus()

    @on(DataTable.RowSelected)
    def _go(self, message: DataTable.RowSelected) -> None:
        event = self._events[message.cursor_row] if message.cursor_row < len(self._events) else None
        if event is None or not event.uuid:
            self.notify("This line is about a host, not a guest.")
            return
        self.dismiss(row_key(event.uri, event.uuid))

    def action_back(self) -> None:
        self.dismiss(None)
