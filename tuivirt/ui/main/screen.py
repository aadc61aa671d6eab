"""The main screen: hosts on top, all their guests below, every feature on a key. It shows the
fleet's snapshots (HostUpdated, HostRemoved); its keys come from the registry of features, which it
knows only through ``tuivirt.ui.registry`` (see ui/shared/commands.py)."""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import suppress
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.types import NoActiveAppError
from textual.widgets import Input

from tuivirt.backend.config.load import DETACH_BINDING, Config
from tuivirt.backend.fleet.fleet import Fleet
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.live.models import DomainSnapshot, HostSnapshot
from tuivirt.backend.live.session import HostSession
from tuivirt.backend.ops.lifecycle.actions import ActionSpec
from tuivirt.ui import registry
from tuivirt.ui.main.filter_bar import FilterBar
from tuivirt.ui.main.snapshot_inbox import SnapshotInbox
from tuivirt.ui.shared.commands import Command, Created, GuestView, Scope, ShowsFleet, W
from tuivirt.ui.shared.dialogs.help import help_for
from tuivirt.ui.shared.history import History
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.messages import BackToTables, HostRemoved, HostUpdated, PanelFullScreen
from tuivirt.ui.shared.pending import PendingActions
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader
from tuivirt.ui.shared.widgets.domains_table import DomainsTable, GuestRow, row_key
from tuivirt.ui.shared.widgets.hosts_table import HostsTable
from tuivirt.ui.shared.widgets.snapshot_table import SnapshotTable


def command_bindings(commands: Mapping[str, Command]) -> list[BindingType]:
    """Each command's binding; one that can be off gets a hidden twin on the same keys and id (so
    the keymap moves both): when check_action hides the first, Textual tries the next binding of
    the key, and the twin says why."""
    bindings: list[BindingType] = []
    for command in commands.values():
        bindings.append(
            Binding(command.keys, f"command('{command.id}')", command.label, command.show, id=command.id)
        )
        if command.can_be_off:
            twin = f"explain('{command.id}')"
            bindings.append(Binding(command.keys, twin, command.label, show=False, id=command.id))
    return bindings


class MainScreen(Keymapped, Screen[None]):
    BINDINGS = [
        *command_bindings(registry.COMMANDS),
        Binding("space", "mark", "Mark", show=False, id="guest.mark"),
        Binding("ctrl+a", "set_marks(True)", "Mark all shown", show=False, id="guest.mark_all"),
        Binding("escape", "set_marks(False)", "Clear marks", show=False, id="guest.clear_marks"),
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("greater_than_sign", "sort(1)", "Sort by next column", show=False, id="main.sort_next"),
        Binding("less_than_sign", "sort(-1)", "Sort by previous column", show=False, id="main.sort_previous"),
        Binding("I", "invert_sort", "Invert sort", show=False, id="main.sort_invert"),
        Binding("question_mark", "help", "Keys", id="main.help"),
        # Here, not on the app: in a form or dialog q is a letter, never a way to lose what was typed.
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]

    def __init__(self, fleet: Fleet, config: Config, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.fleet = fleet
        self.readonly = fleet.readonly
        self.shutdown_timeout = config.shutdown_timeout
        self.pending = PendingActions()
        self.history = History()
        self._targets_signature: tuple[object, ...] = ()
        self._select_when_seen: Created | None = None
        self._on_screen: list[str] | None = None  # the rows last reported to the fleet
        self.inbox = SnapshotInbox(self.show_host)  # (posted to from the sessions' threads)
        self.dock = registry.console_dock(keymap.get(DETACH_BINDING))

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Horizontal(id="body"):
            with Vertical(id="tables"):
                yield HostsTable(id="hosts")
                yield DomainsTable(self.pending.label, id="domains")
                yield FilterBar(id="filter")
            yield self.dock
        view: GuestView = self
        yield from (make(view) for make in registry.HELPERS)
        yield self.inbox
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(FilterBar).display = False
        self.dock.display = False
        self.table.focus()
        if self.readonly:
            self.sub_title = "read-only"
        self.fleet.show_on_screen({})  # (until the table has rows: nothing on screen yet)
        self.fleet.start(self)

    @property
    def table(self) -> DomainsTable:
        return self.query_one(DomainsTable)

    # -- the fleet's listener: any thread, so it only posts --------------------------------

    def host_updated(self, snapshot: HostSnapshot, source: HostSession | None) -> None:
        # From a session's thread, Textual finds the app through the screen's parents: once the
        # app has quit and the screen is detached, there is nobody left to show it to.
        with suppress(NoActiveAppError):
            self.inbox.post_message(HostUpdated(snapshot, source))

    def host_removed(self, uri: str) -> None:
        self.post_message(HostRemoved(uri))

    def show_host(self, message: HostUpdated) -> None:
        snapshot = message.snapshot
        uri = snapshot.config.uri
        before = self.fleet.snapshots.get(uri)
        if not self.is_attached or not self.fleet.accept(snapshot, message.source):
            return  # quitting, or stale (a host removed, edited or disconnected since)
        # The poller sends an unchanged guest's very snapshot again: a tick where no guest moved
        # (most of a big idle fleet) costs no per-guest work here.
        moved = before is None or before.status is not snapshot.status or not snapshot.same_guests(before)
        states = lambda: {row_key(uri, d.uuid): d.state for d in snapshot.domains}  # noqa: E731
        settled = self.pending.observe_all(row_key(uri, ""), states)
        if before is None or snapshot.poll != before.poll:  # a new sample, not reads or events since
            points = ((row_key(uri, d.uuid), d.cpu_pct or 0.0, d.memory_pct or 0.0) for d in snapshot.domains)
            self.history.record_all(uri, points if moved else ())  # (the details' sparklines)
        if isinstance(self.app.screen, ShowsFleet):
            self.app.screen.fleet_shown(snapshot, self.history)
        self.query_one(HostsTable).show(snapshot)
        if moved:
            self.table.show(snapshot)
            self.refresh_bindings_if_targets_changed()
            if self.dock.panes:
                self.dock.reattach({row_key(uri, d.uuid): d.state.is_active for d in snapshot.domains})
        elif settled:
            self.table.touch(settled)
        self.select_new_guest()
        self.report_on_screen()

    def report_on_screen(self) -> None:
        """Tell the fleet which guests are in view: only theirs are read guest by guest (a tick
        costs the same whatever the number of guests, and a slow link pays for what shows)."""
        keys = self.table.keys_on_screen()
        if keys == self._on_screen:
            return
        self._on_screen = keys
        by_uri: dict[str, set[str]] = {}
        for key in keys:
            uri, _, uuid = key.rpartition("#")
            by_uri.setdefault(uri, set()).add(uuid)
        self.fleet.show_on_screen({uri: frozenset(uuids) for uri, uuids in by_uri.items()})

    def on_host_removed(self, message: HostRemoved) -> None:
        """A removed host: its row and its guests' rows go."""
        self.query_one(HostsTable).forget(message.uri)
        self.table.forget_host(message.uri)
        self.refresh_bindings()

    # -- what the features see (GuestView) ---------------------------------------------------

    def targets(self) -> list[GuestTarget]:
        """The marked guests, or else the one under the cursor."""
        table = self.table
        marked = [k for k in table.keys if k in table.marks] if table.marks else []
        keys = marked or ([table.cursor_key] if table.cursor_key else [])
        rows = [(key, table.item(key)) for key in keys]
        return [GuestTarget.of(key, row.domain, row.host_uri) for key, row in rows if row is not None]

    def domain(self, key: str) -> DomainSnapshot | None:
        row = self.table.item(key)
        return row.domain if row is not None else None

    def cursor(self) -> tuple[GuestTarget, DomainSnapshot] | None:
        row = self._cursor_row()
        if row is None or row.host_uri not in self.fleet.sessions:
            return None
        return GuestTarget.of(self.table.cursor_key or "", row.domain, row.host_uri), row.domain

    def helper(self, kind: type[W]) -> W:
        return self.query_one(kind)

    def act(self, spec: ActionSpec, targets: list[GuestTarget], args: dict[str, Any] | None = None) -> None:
        registry.run_action(self, spec, targets, args)

    def select_guest(self, key: object) -> None:
        if isinstance(key, str) and not self.table.select_key(key):
            self.notify("That guest is not in the table now (gone, or its host is away).")

    def select_when_seen(self, created: Created) -> None:
        self._select_when_seen = created

    def guest_restarted(self, key: str) -> None:
        self.dock.guest_restarted(key)

    # -- commands: availability, running, explaining -----------------------------------------

    def _cursor_row(self) -> GuestRow | None:
        table = self.table
        return table.item(table.cursor_key) if table.cursor_key else None

    def applicable(self, command: Command) -> list[GuestTarget]:
        """The guests ``command`` would act on now (its scope, then what it needs of each)."""
        if command.scope is Scope.FLEET:
            return []
        if command.scope is Scope.TARGETS:
            targets = self.targets()
        else:
            row = self._cursor_row()
            targets = [GuestTarget.of(self.table.cursor_key or "", row.domain, row.host_uri)] if row else []
        if command.applies is None:
            return targets
        return [t for t in targets if (d := self.domain(t.key)) is not None and command.applies(d)]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide what does not apply (or, read-only, what changes things): the footer shows only what works."""
        if action != "command":
            return True
        command = registry.COMMANDS[str(parameters[0])]
        if self.readonly and command.changes:
            return False
        return command.applies is None or bool(self.applicable(command))

    def action_command(self, command_id: str) -> None:
        command = registry.COMMANDS[command_id]
        targets = self.applicable(command)
        if command.scope is not Scope.FLEET:
            if command.scope is Scope.CURSOR and self.cursor() is None:
                targets = []
            if not targets:
                self.notify("No guest under the cursor, or its host is not connected.")
                return
        command.run(self, targets)

    def action_explain(self, command_id: str) -> None:
        """The twin binding of a command: runs only when check_action hid the command."""
        command = registry.COMMANDS[command_id]
        if self.readonly and command.changes:
            self.notify(command.readonly_words())
        elif command.explain is not None:
            self.notify(command.explain(self))

    def refresh_bindings_if_targets_changed(self) -> None:
        """The footer is rebuilt only when what the commands depend on changed: a rebuild on every
        poll would repaint it every two seconds, which is most of what an idle SSH link carries."""
        # What the footer shows: the commands that apply, not which guest it is (moving between
        # two running guests must not rebuild it: each rebuild repaints the whole footer line).
        signature = tuple(c.id for c in registry.COMMANDS.values() if c.applies and self.applicable(c))
        if signature != self._targets_signature:
            self._targets_signature = signature
            self.refresh_bindings()

    @on(SnapshotTable.CursorMoved)
    def _cursor_moved(self) -> None:
        self.refresh_bindings_if_targets_changed()
        self.report_on_screen()  # (the cursor may have scrolled the table)

    @on(SnapshotTable.RowSelected, "#domains")
    def _open_details(self, event: SnapshotTable.RowSelected) -> None:
        cursor = self.cursor()
        if event.key is not None and cursor is not None and cursor[0].key == event.key:
            registry.open_details(self, cursor[0])

    def select_new_guest(self) -> None:
        """After a create: select the new guest once a snapshot brings it (and open its console)."""
        created = self._select_when_seen
        if created is None or not self.is_current:
            return  # (until the form has gone: its screen's resume would take the focus back)
        if self.table.select_key(row_key(created.host_uri, created.uuid)):
            self._select_when_seen = None
            self.table.focus()
            if created.open_console and self.check_action("command", ("guest.console",)):
                self.action_command("guest.console")

    # -- consoles, marks, filter, sort, help --------------------------------------------------

    @on(PanelFullScreen)
    def _full_screen(self) -> None:
        self.toggle_class("-console-full")

    @on(BackToTables)
    def _back_to_tables(self) -> None:
        self.remove_class("-console-full")
        self.table.focus()

    def action_mark(self) -> None:
        table = self.table
        if table.cursor_key is not None:
            table.toggle_mark(table.cursor_key)
            table.action_cursor(1)
            self.refresh_bindings()

    def action_set_marks(self, every: bool) -> None:
        self.table.set_marks(set(self.table.keys) if every else set())
        self.refresh_bindings()

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)
        self.refresh_bindings()

    def action_sort(self, step: int) -> None:
        self.table.sort_step(step)

    def action_invert_sort(self) -> None:
        self.table.sort_by(self.table.sort_column.key, not self.table.sort_reverse)

    def action_help(self) -> None:
        note = "Read-only mode: guest actions are off." if self.readonly else ""
        self.app.push_screen(help_for(self, "guests and hosts", note))
