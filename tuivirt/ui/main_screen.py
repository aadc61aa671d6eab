"""The main screen: hosts on top, all their guests below, and every guest action on a key."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from libvirt import virConnect
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Header, Input

from tuivirt.backend.actions import SPECS, Action, ActionSpec
from tuivirt.backend.connection import describe_error
from tuivirt.backend.console import ConsoleState
from tuivirt.backend.delete import DeleteOptions, DeletePlan, plan_delete
from tuivirt.backend.models import HostSnapshot
from tuivirt.config import DETACH_BINDING
from tuivirt.ui.app_footer import AppFooter
from tuivirt.ui.confirm_screen import ConfirmScreen
from tuivirt.ui.console_dock import ConsoleDock
from tuivirt.ui.console_pane import ConsolePane
from tuivirt.ui.create_screen import Created, CreateScreen
from tuivirt.ui.delete_screen import DeleteScreen, DeleteTarget
from tuivirt.ui.domains_table import DomainsTable, row_key
from tuivirt.ui.filter_bar import FilterBar
from tuivirt.ui.health_screen import HealthScreen
from tuivirt.ui.help_screen import HelpScreen, KeyHelp
from tuivirt.ui.hosts_screen import HostsScreen
from tuivirt.ui.hosts_table import HostsTable
from tuivirt.ui.keymap import Keymapped
from tuivirt.ui.messages import GuestTarget
from tuivirt.ui.prompt_screen import PromptScreen
from tuivirt.ui.snapshot_table import SnapshotTable

if TYPE_CHECKING:
    from tuivirt.app import TuivirtApp

# (action, default keys, shown in the footer): a top/k9s/virsh hybrid; README lists them.
GUEST_KEYS: list[tuple[Action, str, bool]] = [
    (Action.START, "s", True),
    (Action.SHUTDOWN, "S", True),
    (Action.REBOOT, "r", False),
    (Action.FORCE_OFF, "F", True),
    (Action.PAUSE, "p", True),
    (Action.RESUME, "u", True),
    (Action.RESET, "R", False),
    (Action.SAVE, "m", False),
    (Action.AUTOSTART_ON, "a", False),
    (Action.AUTOSTART_OFF, "A", False),
    (Action.DELETE, "D,delete", True),
]


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
        Binding("n", "explain_new_guest", "New", show=False, id="guest.new"),
        Binding("c", "console", "Console", id="guest.console"),
        Binding("c", "explain_console", "Console", show=False, id="guest.console"),
        Binding("space", "mark", "Mark", show=False, id="guest.mark"),
        Binding("ctrl+a", "mark_all", "Mark all shown", show=False, id="guest.mark_all"),
        Binding("escape", "clear_marks", "Clear marks", show=False, id="guest.clear_marks"),
        Binding("H", "hosts", "Hosts", id="main.hosts"),
        Binding("O", "health", "Health", id="main.health"),
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("greater_than_sign", "sort(1)", "Sort by next column", show=False, id="main.sort_next"),
        Binding("less_than_sign", "sort(-1)", "Sort by previous column", show=False, id="main.sort_previous"),
        Binding("I", "invert_sort", "Invert sort", show=False, id="main.sort_invert"),
        Binding("question_mark", "help", "Keys", id="main.help"),
        # Here, not on the app: in a form or dialog q is a letter, never a way to lose what was typed.
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]

    def __init__(self, readonly: bool) -> None:
        super().__init__()
        self.readonly = readonly
        self._targets_signature: tuple[object, ...] = ()
        self._select_when_seen: Created | None = None

    @property
    def tuivirt(self) -> TuivirtApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        with Horizontal(id="body"):
            with Vertical(id="tables"):
                yield HostsTable(id="hosts")
                yield DomainsTable(self.tuivirt.pending.label, id="domains")
                yield FilterBar(id="filter")
            yield ConsoleDock(id="consoles")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one(FilterBar).display = False
        self.query_one(ConsoleDock).display = False
        self.query_one(DomainsTable).focus()
        if self.readonly:
            self.sub_title = "read-only"
        self.tuivirt.start_sessions()

    # -- targets and availability ----------------------------------------------------------

    @property
    def table(self) -> DomainsTable:
        return self.query_one(DomainsTable)

    def targets(self) -> list[GuestTarget]:
        """The marked guests, or else the one under the cursor."""
        table = self.table
        keys = [k for k in table.keys if k in table.marks] or ([table.cursor_key] if table.cursor_key else [])
        targets = []
        for key in keys:
            row = table.item(key)
            if row is not None:
                targets.append(GuestTarget.of(key, row.domain, row.host_uri))
        return targets

    def applicable(self, spec: ActionSpec) -> list[GuestTarget]:
        table = self.table
        return [t for t in self.targets() if spec.applies_to(table.item(t.key).domain)]  # type: ignore[union-attr]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide guest actions that do not apply (or, read-only, any): the footer shows only what works."""
        if action == "guest":
            return not self.readonly and bool(self.applicable(SPECS[Action(str(parameters[0]))]))
        if action == "console":
            return not self.readonly and self._console_target() is not None
        if action == "new_guest":
            return not self.readonly
        return True

    def _console_target(self) -> GuestTarget | None:
        """The guest under the cursor, when it is running (a console needs a running guest)."""
        table = self.table
        row = table.item(table.cursor_key) if table.cursor_key else None
        if row is None or not row.domain.state.is_active:
            return None
        return GuestTarget.of(table.cursor_key or "", row.domain, row.host_uri)

    def action_explain(self, name: str) -> None:
        """Second binding on each guest key: runs only when check_action hid the first one."""
        spec = SPECS[Action(name)]
        if self.readonly:
            self.notify(f"{spec.label} is not available: tuivirt runs read-only (--readonly).")
        elif not self.targets():
            self.notify(f"{spec.label}: no guest selected.")
        else:
            states = ", ".join(sorted({f"{t.name} is {self._state(t)}" for t in self.targets()}))
            self.notify(f"{spec.label} does not apply: {states}.")

    def action_explain_new_guest(self) -> None:
        self.notify("New guests cannot be created: tuivirt runs read-only (--readonly).")

    def action_explain_console(self) -> None:
        if self.readonly:
            self.notify("The console is not available: tuivirt runs read-only (--readonly).")
        else:
            self.notify("The console needs a running guest under the cursor.")

    # -- hosts -----------------------------------------------------------------------------

    def action_hosts(self) -> None:
        self.app.push_screen(HostsScreen())

    def action_health(self) -> None:
        self.app.push_screen(HealthScreen(self._snapshots_in_host_order, self.tuivirt.sessions))

    def _snapshots_in_host_order(self) -> dict[str, HostSnapshot]:
        snapshots = self.tuivirt.snapshots
        return {h.uri: snapshots[h.uri] for h in self.tuivirt.hosts if h.uri in snapshots}

    def forget_host(self, uri: str) -> None:
        """A removed host: its row and its guests' rows go."""
        self.query_one(HostsTable).forget(uri)
        self.table.forget_host(uri)
        self.refresh_bindings()

    # -- new guests ------------------------------------------------------------------------

    def action_new_guest(self) -> None:
        """The form opens on the host of the guest under the cursor, else the first host."""
        table = self.table
        row = table.item(table.cursor_key) if table.cursor_key else None
        sessions = dict(self.tuivirt.sessions)
        if not sessions:
            self.notify("No host is connected: connect one in Hosts (H).", severity="warning")
            return
        uri = row.host_uri if row and row.host_uri in sessions else next(iter(sessions))

        def created(result: Created | None) -> None:
            if result is not None:
                self._select_when_seen = result
                self.notify("Created; it shows in the table in a moment.")

        self.app.push_screen(CreateScreen(sessions, uri), created)

    def select_new_guest(self) -> None:
        """After a create: select the new guest once a snapshot brings it (and open its console)."""
        created = self._select_when_seen
        if created is None:
            return
        key = row_key(created.host_uri, created.uuid)
        if self.table.select_key(key):
            self._select_when_seen = None
            self.table.focus()
            if created.open_console:
                self.action_console()

    # -- consoles --------------------------------------------------------------------------

    @property
    def dock(self) -> ConsoleDock:
        return self.query_one(ConsoleDock)

    def action_console(self) -> None:
        target = self._console_target()
        if target is None:
            return
        pane = self.dock.pane_for(target.key)
        if pane is None:
            detach_keys = self.tuivirt.keymap_in_force.get(DETACH_BINDING)  # as checked at start
            pane = ConsolePane(
                target.key, target.host_uri, target.name, target.host_name, detach_keys, target.uuid
            )
            self.dock.mount(pane)
        self.dock.show(pane)

    @on(ConsolePane.Action)
    async def _console_action(self, message: ConsolePane.Action) -> None:
        pane = message.pane
        if message.action == "detach":
            pane.close_session()
            if await self.dock.close(pane) is None:
                self.remove_class("-console-full")
                self.table.focus()
        elif message.action == "full_screen":
            self.toggle_class("-console-full")
        elif message.action == "leave":
            self.remove_class("-console-full")
            self.table.focus()
        elif message.action == "switch":
            self.dock.step(pane, message.step)
        elif message.action == "log":
            self._ask_log(pane)
        elif message.action == "force":
            self._ask_force(pane)

    def _ask_log(self, pane: ConsolePane) -> None:
        if pane.session.logging:
            pane.session.stop_log()
            self.notify(f"Stopped logging the console of {pane.guest}.")
            pane.refresh()
            return

        def chosen(path: str | None) -> None:
            if not path:
                return
            try:
                pane.session.start_log(Path(path).expanduser())
            except OSError as exc:
                self.notify(f"Cannot log to {path}: {exc.strerror or exc}", severity="error")
                return
            self.notify(f"Logging the console of {pane.guest} to {path}")
            pane.refresh()
            pane.focus()

        note = "Everything the guest prints from now on is appended to this file. F2 again stops."
        self.app.push_screen(
            PromptScreen("Log console to file", note, str(pane.log_path_suggestion())), chosen
        )

    def _ask_force(self, pane: ConsolePane) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                pane.attach(force=True)
            pane.focus()

        body = (
            f"Another session holds the console of {pane.guest} on {pane.host}.\n"
            "Take it over (virsh console --force)? That session is disconnected."
        )
        self.app.push_screen(ConfirmScreen("Take over the console?", body, "Take over"), answered)

    def reattach_consoles(self, key_states: dict[str, bool]) -> None:
        """Panes whose guest stopped reattach by themselves once it runs again: once the table has
        seen it stopped, then running (a poll taken just before the stop still says running)."""
        waiting = (ConsoleState.CLOSED, ConsoleState.NOT_RUNNING)
        for pane in self.query(ConsolePane):  # a query, not the dock: none while shutting down
            active = key_states.get(pane.key)
            if active is False:
                pane.guest_seen_stopped = True  # until the pane attaches again
            elif active and pane.guest_seen_stopped and pane.state in waiting:
                pane.attach()

    def _state(self, target: GuestTarget) -> str:
        row = self.table.item(target.key)
        return row.domain.state.label if row else "gone"

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

    # -- actions ---------------------------------------------------------------------------

    def action_guest(self, name: str) -> None:
        spec = SPECS[Action(name)]
        targets = self.applicable(spec)
        if not targets:
            return
        if spec.action is Action.DELETE:
            self._plan_delete(targets)
            return
        if not spec.destructive:
            self.tuivirt.start_action(spec, targets)
            return
        guests = "\n".join(f"  {t.name} on {t.host_name} ({t.host_uri})" for t in targets)
        body = f"{spec.label} (virsh {spec.virsh}) these guests?\n\n{guests}"
        if spec.action is Action.FORCE_OFF:
            body += "\n\nLike pulling the power cord: unsaved data in the guest is lost."

        def answered(yes: bool | None) -> None:
            if yes:
                self.tuivirt.start_action(spec, targets)

        self.app.push_screen(ConfirmScreen(f"{spec.label}?", body, spec.label), answered)

    @work(thread=True, exit_on_error=False, group="delete-plan")
    def _plan_delete(self, targets: list[GuestTarget]) -> None:
        """Read each guest's disks (libvirt calls: a thread), then ask."""
        plans = []
        for target in targets:
            try:
                plan = self.tuivirt.session(target.host_uri).call(partial(_plan, uuid=target.uuid))
            except Exception as exc:
                message = f"Delete: cannot read {target.name} on {target.host_name}: {describe_error(exc)}"
                self.app.call_from_thread(self.notify, message, severity="error")
                return
            plans.append(DeleteTarget(target.key, target.name, target.host_name, plan))
        self.app.call_from_thread(self._ask_delete, targets, plans)

    def _ask_delete(self, targets: list[GuestTarget], plans: list[DeleteTarget]) -> None:
        def answered(options: dict[str, DeleteOptions] | None) -> None:
            if options is not None:
                self.tuivirt.start_action(SPECS[Action.DELETE], targets, options)

        self.app.push_screen(DeleteScreen(plans), answered)

    def action_mark(self) -> None:
        table = self.table
        if table.cursor_key is not None:
            table.toggle_mark(table.cursor_key)
            table.action_cursor(1)
            self.refresh_bindings()

    def action_mark_all(self) -> None:
        self.table.set_marks(set(self.table.keys))
        self.refresh_bindings()

    def action_clear_marks(self) -> None:
        self.table.set_marks(set())
        self.refresh_bindings()

    @on(SnapshotTable.RowSelected, "#domains")
    def _open_details(self, event: SnapshotTable.RowSelected) -> None:
        if event.key is not None:
            self.tuivirt.open_details(event.key)

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.table.set_filter(event.value)
        self.refresh_bindings()

    def action_sort(self, step: int) -> None:
        table = self.table
        keys = [c.key for c in table.columns]
        table.sort_by(keys[(keys.index(table.sort_column.key) + step) % len(keys)], table.sort_reverse)

    def action_invert_sort(self) -> None:
        table = self.table
        table.sort_by(table.sort_column.key, not table.sort_reverse)

    def action_help(self) -> None:
        """Every binding of this screen, the app and the focused table, its keys grouped by id."""
        keys: dict[str, KeyHelp] = {}
        for binding in self.tuivirt.all_bindings(self):
            if not binding.id or binding.action.startswith("explain("):
                continue
            shown = self.app.get_key_display(binding)
            if binding.id in keys:
                known = keys[binding.id]
                keys[binding.id] = KeyHelp(
                    f"{known.keys}, {shown}", known.description, binding.id, known.available
                )
                continue
            available = self.check_action(*_split_action(binding.action)) is True
            keys[binding.id] = KeyHelp(shown, binding.description, binding.id, available)
        note = "Read-only mode: guest actions are off. " if self.readonly else ""
        note += "Remap keys in $XDG_CONFIG_HOME/tuivirt/config.toml, [keys] by binding id. Esc closes."
        self.app.push_screen(HelpScreen("guests and hosts", list(keys.values()), note))


def _plan(conn: virConnect, uuid: str) -> DeletePlan:
    return plan_delete(conn, uuid)


def _split_action(action: str) -> tuple[str, tuple[object, ...]]:
    """ "guest('start')" -> ("guest", ("start",))."""
    name, _, rest = action.partition("(")
    return name, tuple(p.strip().strip("'\"") for p in rest.rstrip(")").split(",") if p.strip())
