"""The main screen: hosts on top, all their guests below, every guest action on a key. It shows the
fleet's snapshots (HostUpdated, HostRemoved); actions go to GuestActions and the other helpers."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.types import NoActiveAppError
from textual.widgets import Input

from tuivirt.backend.config.load import DETACH_BINDING, Config
from tuivirt.backend.fleet.fleet import Fleet
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.live.models import HostSnapshot, HostStatus
from tuivirt.backend.live.session import HostSession
from tuivirt.backend.ops.lifecycle.actions import SPECS, Action, ActionSpec
from tuivirt.ui.agent.menu import AgentMenu
from tuivirt.ui.clone.cloner import GuestCloner
from tuivirt.ui.console.dock import ConsoleDock
from tuivirt.ui.console.pane import ConsolePane
from tuivirt.ui.create.messages import Created
from tuivirt.ui.create.screen import CreateScreen
from tuivirt.ui.details.screen import DetailsScreen
from tuivirt.ui.editor.screen import GuestEditorScreen
from tuivirt.ui.editor.xml_edit import XmlEditor
from tuivirt.ui.eventlog.screen import EventLogScreen
from tuivirt.ui.glimpse.screen import GuestScreenScreen
from tuivirt.ui.health.screen import HealthScreen
from tuivirt.ui.hosts.screen import HostsScreen
from tuivirt.ui.lifecycle.commands import GUEST_KEYS
from tuivirt.ui.lifecycle.guest_actions import GuestActions
from tuivirt.ui.main.filter_bar import FilterBar
from tuivirt.ui.main.snapshot_inbox import SnapshotInbox
from tuivirt.ui.migrate.migrator import GuestMigrator
from tuivirt.ui.networks.screen import NetworksScreen
from tuivirt.ui.shared.dialogs.help import help_for
from tuivirt.ui.shared.history import History
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.messages import HostRemoved, HostUpdated
from tuivirt.ui.shared.pending import PendingActions
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader
from tuivirt.ui.shared.widgets.domains_table import DomainsTable, GuestRow, row_key
from tuivirt.ui.shared.widgets.hosts_table import HostsTable
from tuivirt.ui.shared.widgets.snapshot_table import SnapshotTable
from tuivirt.ui.snapshots.screen import SnapshotsScreen
from tuivirt.ui.storage.screen import StorageScreen
from tuivirt.ui.tags.tagger import GuestTagger

FLEET_SCREENS: dict[str, Callable[[Fleet], Screen[Any]]] = dict(
    hosts=HostsScreen, health=HealthScreen, storage=StorageScreen, networks=NetworksScreen, log=EventLogScreen
)


class MainScreen(Keymapped, Screen[None]):
    BINDINGS = [
        *(
            Binding(keys, f"guest('{action}')", SPECS[action].label, show=show, id=f"guest.{action}")
            for action, keys, show in GUEST_KEYS
        ),
        # Same keys and ids (so the keymap moves both): when check_action hides an action that
        # does not apply, Textual tries the next binding of the key, and this one says why.
        *(
            Binding(keys, f"explain('{action}')", SPECS[action].label, show=False, id=f"guest.{action}")
            for action, keys, _show in GUEST_KEYS
        ),
        Binding("n", "new_guest", "New", id="guest.new"),
        Binding("n", "explain_readonly('New guests')", "New", show=False, id="guest.new"),
        Binding("c", "console", "Console", id="guest.console"),
        Binding("c", "explain_console", "Console", show=False, id="guest.console"),
        Binding("e", "open('editor')", "Edit", show=False, id="guest.edit"),
        Binding("e", "explain_readonly('The editor')", "Edit", show=False, id="guest.edit"),
        Binding("E", "open('xml')", "Edit XML", show=False, id="guest.edit_xml"),
        Binding("E", "explain_readonly('Edit XML')", "Edit XML", show=False, id="guest.edit_xml"),
        Binding("t", "open('snapshots')", "Snapshots", show=False, id="guest.snapshots"),
        Binding("C", "open('clone')", "Clone", show=False, id="guest.clone"),
        Binding("C", "explain_readonly('Clone')", "Clone", show=False, id="guest.clone"),
        Binding("i", "open('agent')", "Guest agent", show=False, id="guest.agent"),
        Binding("i", "explain_readonly('The guest agent')", "Guest agent", show=False, id="guest.agent"),
        Binding("M", "open('migrate')", "Migrate", show=False, id="guest.migrate"),
        Binding("M", "explain_readonly('Migration')", "Migrate", show=False, id="guest.migrate"),
        Binding("number_sign", "open('tags')", "Tags", show=False, id="guest.tags"),
        Binding("number_sign", "explain_readonly('Tags')", "Tags", show=False, id="guest.tags"),
        Binding("space", "mark", "Mark", show=False, id="guest.mark"),
        Binding("ctrl+a", "set_marks(True)", "Mark all shown", show=False, id="guest.mark_all"),
        Binding("escape", "set_marks(False)", "Clear marks", show=False, id="guest.clear_marks"),
        Binding("H", "fleet_screen('hosts')", "Hosts", id="main.hosts"),
        Binding("O", "fleet_screen('health')", "Health", id="main.health"),
        Binding("P", "fleet_screen('storage')", "Storage", show=False, id="main.storage"),
        Binding("N", "fleet_screen('networks')", "Networks", show=False, id="main.networks"),
        Binding("L", "fleet_screen('log')", "Event log", show=False, id="main.log"),
        Binding("V", "open('screen')", "Screen", show=False, id="guest.screen"),
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
        self._config = config
        self._detach_keys = keymap.get(DETACH_BINDING)
        self.pending = PendingActions()
        self.history = History()
        self._targets_signature: tuple[object, ...] = ()
        self._select_when_seen: Created | None = None
        self.inbox = SnapshotInbox(self.show_host)  # (posted to from the sessions' threads)

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with Horizontal(id="body"):
            with Vertical(id="tables"):
                yield HostsTable(id="hosts")
                yield DomainsTable(self.pending.label, id="domains")
                yield FilterBar(id="filter")
            yield ConsoleDock(self._detach_keys, id="consoles")
        yield GuestActions(self.fleet, self.pending, self._config.shutdown_timeout)
        yield XmlEditor(self.fleet)
        yield GuestCloner(self.fleet)
        yield GuestMigrator(self.fleet, self.pending)
        yield GuestTagger(self.fleet)
        yield AgentMenu(self.fleet)
        yield self.inbox
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(FilterBar).display = False
        self.dock.display = False
        self.table.focus()
        if self.readonly:
            self.sub_title = "read-only"
        self.fleet.start(self)

    @property
    def table(self) -> DomainsTable:
        return self.query_one(DomainsTable)

    @property
    def dock(self) -> ConsoleDock:
        return self.query_one(ConsoleDock)

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
        self._record_history(uri, snapshot, moved)
        if isinstance(self.app.screen, HealthScreen):
            self.app.screen.repaint()
        self.query_one(HostsTable).show(snapshot)
        if moved:
            self.table.show(snapshot)
            self.refresh_bindings_if_targets_changed()
            if self.dock.panes:
                self.dock.reattach({row_key(uri, d.uuid): d.state.is_active for d in snapshot.domains})
        elif settled:
            self.table.touch(settled)
        self.select_new_guest()

    def _record_history(self, uri: str, snapshot: HostSnapshot, moved: bool) -> None:
        """CPU and memory for the details sparklines, and the open details screen's guest."""
        points = ((row_key(uri, d.uuid), d.cpu_pct or 0.0, d.memory_pct or 0.0) for d in snapshot.domains)
        self.history.record_all(uri, points if moved else ())
        screen = self.app.screen
        if isinstance(screen, DetailsScreen) and screen.key.startswith(row_key(uri, "")):
            shown = next((d for d in snapshot.domains if row_key(uri, d.uuid) == screen.key), None)
            if shown is not None:
                screen.show_domain(shown, *self.history.series(uri, screen.key))
            elif snapshot.status is HostStatus.UP:  # undefined (or moved) since: no stale details
                screen.guest_gone()

    def on_host_removed(self, message: HostRemoved) -> None:
        """A removed host: its row and its guests' rows go."""
        self.query_one(HostsTable).forget(message.uri)
        self.table.forget_host(message.uri)
        self.refresh_bindings()

    # -- targets and availability ----------------------------------------------------------

    def targets(self) -> list[GuestTarget]:
        """The marked guests, or else the one under the cursor."""
        table = self.table
        marked = [k for k in table.keys if k in table.marks] if table.marks else []
        keys = marked or ([table.cursor_key] if table.cursor_key else [])
        rows = [(key, table.item(key)) for key in keys]
        return [GuestTarget.of(key, row.domain, row.host_uri) for key, row in rows if row is not None]

    def applicable(self, spec: ActionSpec) -> list[GuestTarget]:
        table = self.table
        return [t for t in self.targets() if spec.applies_to(table.item(t.key).domain)]  # type: ignore[union-attr]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide guest actions that do not apply (or, read-only, any): the footer shows only what works."""
        if action == "guest":
            return not self.readonly and bool(self.applicable(SPECS[Action(str(parameters[0]))]))
        if action == "console":
            return not self.readonly and self._console_target() is not None
        if action == "new_guest" or (action == "open" and parameters[0] not in ("snapshots", "screen")):
            return not self.readonly
        return True

    def _cursor_row(self) -> GuestRow | None:
        table = self.table
        return table.item(table.cursor_key) if table.cursor_key else None

    def _console_target(self) -> GuestTarget | None:
        """The guest under the cursor, when it is running (a console needs a running guest)."""
        row = self._cursor_row()
        if row is None or not row.domain.state.is_active:
            return None
        return GuestTarget.of(self.table.cursor_key or "", row.domain, row.host_uri)

    def action_explain(self, name: str) -> None:
        """Second binding on each guest key: runs only when check_action hid the first one."""
        spec = SPECS[Action(name)]
        if self.readonly:
            self.notify(f"{spec.label} is not available: tuivirt runs read-only (--readonly).")
        elif not self.targets():
            self.notify(f"{spec.label}: no guest selected.")
        else:
            rows = {t.name: self.table.item(t.key) for t in self.targets()}
            states = ", ".join(
                sorted(f"{n} is {r.domain.state.label if r else 'gone'}" for n, r in rows.items())
            )
            self.notify(f"{spec.label} does not apply: {states}.")

    def action_explain_readonly(self, what: str) -> None:
        self.notify(f"{what}: not available, tuivirt runs read-only (--readonly).")

    def action_explain_console(self) -> None:
        if self.readonly:
            self.notify("The console is not available: tuivirt runs read-only (--readonly).")
        else:
            self.notify("The console needs a running guest under the cursor.")

    def refresh_bindings_if_targets_changed(self) -> None:
        """The footer is rebuilt only when what the actions depend on changed: a rebuild on every
        poll would repaint it every two seconds, which is most of what an idle SSH link carries."""
        # What the footer shows: the actions that apply, not which guest it is (moving between
        # two running guests must not rebuild it: each rebuild repaints the whole footer line).
        signature = (
            tuple(a for a in Action if self.applicable(SPECS[a])),
            self._console_target() is not None,
        )
        if signature != self._targets_signature:
            self._targets_signature = signature
            self.refresh_bindings()

    @on(SnapshotTable.CursorMoved)
    def _cursor_moved(self) -> None:
        self.refresh_bindings_if_targets_changed()

    # -- guest actions, details, new guests ------------------------------------------------

    def action_guest(self, name: str) -> None:
        spec = SPECS[Action(name)]
        targets = self.applicable(spec)
        if targets:
            self.query_one(GuestActions).request(spec, targets)

    @on(SnapshotTable.RowSelected, "#domains")
    def _open_details(self, event: SnapshotTable.RowSelected) -> None:
        row = self.table.item(event.key) if event.key else None
        if event.key is None or row is None or row.host_uri not in self.fleet.sessions:
            return
        screen = DetailsScreen(self.fleet, event.key, row.domain, row.host_uri)
        self.app.push_screen(screen)
        screen.show_domain(row.domain, *self.history.series(row.host_uri, event.key))

    def action_new_guest(self) -> None:
        """The form opens on the host of the guest under the cursor, else the first host."""
        row = self._cursor_row()
        sessions = self.fleet.sessions
        if not sessions:
            self.notify("No host is connected: connect one in Hosts (H).", severity="warning")
            return
        uri = row.host_uri if row and row.host_uri in sessions else next(iter(sessions))

        def created(result: Created | None) -> None:
            if result is not None:
                self._select_when_seen = result
                self.notify("Created; it shows in the table in a moment.")

        self.app.push_screen(CreateScreen(self.fleet, uri), created)

    def select_new_guest(self) -> None:
        """After a create: select the new guest once a snapshot brings it (and open its console)."""
        created = self._select_when_seen
        if created is None or not self.is_current:
            return  # (until the form has gone: its screen's resume would take the focus back)
        if self.table.select_key(row_key(created.host_uri, created.uuid)):
            self._select_when_seen = None
            self.table.focus()
            if created.open_console:
                self.action_console()

    def action_open(self, kind: str) -> None:
        """What ``kind`` opens for the guest under the cursor (migration, tags: the marked guests)."""
        row = self._cursor_row()
        if row is None or row.host_uri not in self.fleet.sessions:
            self.notify("No guest under the cursor, or its host is not connected.")
            return
        target = GuestTarget.of(self.table.cursor_key or "", row.domain, row.host_uri)
        if kind == "snapshots":
            screen = SnapshotsScreen(self.fleet, target, row.domain.state.is_active)
            key = target.key  # (a revert restarts the guest: its console reattaches)
            self.app.push_screen(
                screen, lambda reverted: self.dock.guest_restarted(key) if reverted else None
            )
        elif kind == "screen":
            self.app.push_screen(GuestScreenScreen(self.fleet, target))
        elif kind == "editor":
            self.app.push_screen(GuestEditorScreen(self.fleet, target))
        elif kind == "clone":
            self.query_one(GuestCloner).clone(target, row.domain.state)
        elif kind == "migrate":
            self.query_one(GuestMigrator).migrate(self.targets())
        elif kind == "tags":
            self.query_one(GuestTagger).edit(self.targets())
        elif kind == "agent":
            self.query_one(AgentMenu).open(target, row.domain.state.is_active)
        else:
            self.query_one(XmlEditor).edit(target, row.domain.state.is_active)

    # -- consoles --------------------------------------------------------------------------

    def action_console(self) -> None:
        target = self._console_target()
        if target is not None:
            self.dock.open(target)

    @on(ConsolePane.FullScreen)
    def _full_screen(self) -> None:
        self.toggle_class("-console-full")

    @on(ConsolePane.Leave)
    @on(ConsoleDock.Emptied)
    def _back_to_tables(self) -> None:
        self.remove_class("-console-full")
        self.table.focus()

    # -- hosts, marks, filter, sort, help --------------------------------------------------

    def action_fleet_screen(self, name: str) -> None:
        def go_to(key: object) -> None:  # the event log's Enter: a guest's row
            if isinstance(key, str) and not self.table.select_key(key):
                self.notify("That guest is not in the table now (gone, or its host is away).")

        self.app.push_screen(FLEET_SCREENS[name](self.fleet), go_to)

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
