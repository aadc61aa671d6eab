"""The tuivirt application: host sessions in, snapshots to the screens, guest actions out."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterator, Sequence, Set
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode

from tuivirt import __version__
from tuivirt.backend.actions import SPECS, Action, ActionSpec, run_action
from tuivirt.backend.connection import HostError, describe_error
from tuivirt.backend.delete import DeleteOptions, delete_guest
from tuivirt.backend.models import HostConfig, HostSnapshot, HostStatus
from tuivirt.backend.session import HostSession
from tuivirt.config import Config, config_path
from tuivirt.host_list import HostList
from tuivirt.ui.choice_screen import ChoiceScreen
from tuivirt.ui.console_pane import ConsolePane
from tuivirt.ui.details_screen import DetailsScreen
from tuivirt.ui.domains_table import DomainsTable, row_key
from tuivirt.ui.filter_bar import FilterBar
from tuivirt.ui.guest_commands import GuestCommands
from tuivirt.ui.health_screen import HealthScreen
from tuivirt.ui.hosts_table import HostsTable
from tuivirt.ui.keymap import Keymapped, check_keymap
from tuivirt.ui.main_screen import MainScreen
from tuivirt.ui.messages import ActionsFinished, GuestActionReturned, GuestResult, GuestTarget, HostUpdated
from tuivirt.ui.pending import PendingActions
from tuivirt.ui.snapshot_table import SnapshotTable

HISTORY = 60  # ticks of CPU and memory kept per guest for the details sparklines


def _subclasses(cls: type) -> list[type[DOMNode]]:
    found: list[type[DOMNode]] = []
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        if issubclass(sub, DOMNode):
            found.append(sub)
        found += _subclasses(sub)
    return found


def _styles_dir() -> Path:
    """styles/ at the repository top (editable install) or inside the package (wheel)."""
    package = Path(__file__).parent
    bundled = package / "styles"
    return bundled if bundled.is_dir() else package.parent / "styles"


class TuivirtApp(App[None]):
    """Watches libvirt hosts; every libvirt call runs off the UI loop."""

    CSS_PATH = _styles_dir() / "tuivirt.tcss"
    TITLE = "tuivirt"
    SUB_TITLE = f"v{__version__}"
    COMMANDS = App.COMMANDS | {GuestCommands}

    def __init__(
        self,
        hosts: Sequence[HostConfig],
        *,
        refresh: float | None = None,
        readonly: bool = False,
        config: Config | None = None,
        config_file: Path | None = None,
        saved_uris: Set[str] = frozenset(),
        warnings: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.config = config or Config()
        self.readonly = readonly
        self._refresh = refresh or self.config.refresh
        self._warnings = list(warnings)
        self.hosts = HostList(hosts, config_file or config_path(), saved_uris)
        self.sessions: dict[str, HostSession] = {}  # by URI, the connected (or connecting) hosts
        self.snapshots: dict[str, HostSnapshot] = {}  # by URI, each host's latest
        self.pending = PendingActions()
        self.history: dict[str, tuple[deque[float], deque[float]]] = {}
        self._down_reason: dict[str, str] = {}  # by URI, while the host is not up
        # Keys active at once on the main screen: the screen, the tables, a console pane, the filter.
        main_keys: list[type[DOMNode]] = [MainScreen, SnapshotTable, ConsolePane, FilterBar]
        others = [[cls] for cls in _subclasses(Keymapped) if cls not in main_keys]
        self.keymap_in_force, keymap_warnings = check_keymap(
            self.config.keymap, [main_keys, *others], str(self.hosts.config_file)
        )
        self._warnings += keymap_warnings

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.readonly)

    def on_mount(self) -> None:
        for warning in self._warnings:
            self.notify(warning, title="Configuration", severity="warning", timeout=10)
        self.set_interval(1.0, self._check_shutdowns)

    def start_sessions(self) -> None:
        """Called by the main screen once its tables exist to receive the snapshots."""
        for host in self.hosts:
            if host.autoconnect:
                self.connect_host(host.uri)
            else:
                self._show_offline(host)

    # -- hosts: connect, disconnect, add, edit, remove -------------------------------------

    def connect_host(self, uri: str) -> None:
        if uri in self.sessions:
            return
        host = self.hosts.get(uri)
        session: HostSession

        def listener(snapshot: HostSnapshot) -> None:  # on the session's thread
            self.post_message(HostUpdated(snapshot, session))

        session = HostSession(host, listener, refresh=self._refresh, readonly=self.readonly)
        self.sessions[uri] = session
        session.start()

    def disconnect_host(self, uri: str) -> None:
        session = self.sessions.pop(uri, None)
        if session is not None:
            session.stop(timeout=0)  # it may be stuck in a call to a frozen host: do not wait
        if self.hosts.find(uri) is not None:
            self._show_offline(self.hosts.get(uri))

    def _show_offline(self, host: HostConfig) -> None:
        self.post_message(HostUpdated(HostSnapshot(host, HostStatus.OFFLINE)))

    def add_host(self, host: HostConfig) -> None:
        self.hosts.add(host)
        if host.autoconnect:
            self.connect_host(host.uri)
        else:
            self._show_offline(host)

    def edit_host(self, old_uri: str, host: HostConfig) -> None:
        """A changed host reconnects (with its new name or URI) if it was connected."""
        was_connected = old_uri in self.sessions
        self.remove_host(old_uri, keep_place=True)
        self.hosts.add(host, replacing=old_uri)
        if was_connected:
            self.connect_host(host.uri)
        else:
            self._show_offline(host)

    def remove_host(self, uri: str, *, keep_place: bool = False) -> None:
        session = self.sessions.pop(uri, None)
        if session is not None:
            session.stop(timeout=0)
        if not keep_place:
            self.hosts.remove(uri)
        self.snapshots.pop(uri, None)
        if self.running_ui:
            self.main.forget_host(uri)

    def on_unmount(self) -> None:
        for session in list(self.sessions.values()):
            session.stop(timeout=0)  # daemon threads: a host stuck in a call must not delay quitting

    def session(self, uri: str) -> HostSession:
        session = self.sessions.get(uri)
        if session is None:
            host = self.hosts.find(uri)
            raise HostError(f"{host.name if host else uri} is not connected")
        return session

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))

    @property
    def running_ui(self) -> bool:
        """False while the app shuts down and its screens are gone; late messages are dropped then."""
        return any(isinstance(s, MainScreen) and s.query(DomainsTable) for s in self.screen_stack)

    def all_bindings(self, screen: DOMNode) -> Iterator[Binding]:
        """Bindings of the app, the screen and the focused widget, as remapped by the keymap."""
        nodes: list[DOMNode] = [screen, self]
        if self.focused is not None:
            nodes.insert(0, self.focused)
        for node in nodes:
            for bindings in node._bindings.key_to_bindings.values():
                yield from bindings

    # -- snapshots in ----------------------------------------------------------------------

    def on_host_updated(self, message: HostUpdated) -> None:
        snapshot = message.snapshot
        uri = snapshot.config.uri
        if not self.running_ui or self.hosts.find(uri) != snapshot.config:
            return  # quitting, or a host removed or edited since
        if message.source is not self.sessions.get(uri):
            return  # from a session disconnected since, or an "offline" overtaken by a connect
        self.snapshots[uri] = snapshot
        main = self.main
        for domain in snapshot.domains:
            key = row_key(uri, domain.uuid)
            self.pending.observe(key, domain.state)
            cpu, memory = self.history.setdefault(key, (deque(maxlen=HISTORY), deque(maxlen=HISTORY)))
            cpu.append(domain.cpu_pct or 0.0)
            memory.append(domain.memory_pct or 0.0)
            if isinstance(self.screen, DetailsScreen) and self.screen.key == key:
                self.screen.show_domain(domain, cpu, memory)
        if isinstance(self.screen, HealthScreen):
            self.screen.repaint()
        main.query_one(HostsTable).show(snapshot)
        main.query_one(DomainsTable).show(snapshot)
        main.refresh_bindings_if_targets_changed()
        main.reattach_consoles({row_key(uri, d.uuid): d.state.is_active for d in snapshot.domains})
        main.select_new_guest()
        self._notify_if_newly_down(snapshot)

    def _notify_if_newly_down(self, snapshot: HostSnapshot) -> None:
        """One toast per loss (or new reason), not one per reconnection attempt."""
        uri = snapshot.config.uri
        if snapshot.status is HostStatus.UP:
            self._down_reason.pop(uri, None)
        elif snapshot.status is HostStatus.DOWN and self._down_reason.get(uri) != snapshot.reason:
            self._down_reason[uri] = snapshot.reason
            self.notify(
                f"{snapshot.config.name} ({uri}): {snapshot.reason}",
                title="Host down",
                severity="error",
            )

    def open_details(self, key: str) -> None:
        row = self.main.table.item(key)
        if row is not None and row.host_uri in self.sessions:
            screen = DetailsScreen(key, row.domain, row.host_uri, self.session(row.host_uri))
            self.push_screen(screen, lambda _result: None)
            cpu, memory = self.history.get(key, ((), ()))
            screen.show_domain(row.domain, list(cpu), list(memory))

    # -- actions out -----------------------------------------------------------------------

    def start_action(
        self, spec: ActionSpec, targets: list[GuestTarget], options: dict[str, DeleteOptions] | None = None
    ) -> None:
        now = time.monotonic()
        for target in targets:
            self.pending.begin(target.key, spec, now, self.config.shutdown_timeout)
        self.main.table.touch(t.key for t in targets)
        self._run_action(spec, targets, options or {})

    @work(thread=True, exit_on_error=False, group="actions")
    def _run_action(
        self, spec: ActionSpec, targets: list[GuestTarget], options: dict[str, DeleteOptions]
    ) -> None:
        """Each host's guests in turn, the hosts side by side (a frozen host holds up only its own
        guests); one failure never stops the others. The report keeps the order of ``targets``."""

        def run_host(host_targets: list[GuestTarget]) -> None:
            for target in host_targets:
                try:
                    result = self._act_on(spec, target, options.get(target.key))
                except Exception as exc:  # libvirtError, HostError: reported per guest below
                    result = GuestResult(target, error=describe_error(exc))
                self.post_message(GuestActionReturned(result))
                results[target.key] = result

        results: dict[str, GuestResult] = {}
        by_host: dict[str, list[GuestTarget]] = {}
        for target in targets:
            by_host.setdefault(target.host_uri, []).append(target)
        with ThreadPoolExecutor(max_workers=len(by_host), thread_name_prefix="action") as pool:
            list(pool.map(run_host, by_host.values()))
        self.post_message(ActionsFinished(spec, [results[t.key] for t in targets]))

    def _act_on(self, spec: ActionSpec, target: GuestTarget, options: DeleteOptions | None) -> GuestResult:
        session = self.session(target.host_uri)
        if spec.action is Action.DELETE:
            outcome = session.call(lambda conn: delete_guest(conn, target.uuid, options or DeleteOptions()))
            return GuestResult(target, warnings=tuple(outcome.problems))
        session.call(lambda conn: run_action(conn, target.uuid, spec.action))
        return GuestResult(target)

    def on_guest_action_returned(self, message: GuestActionReturned) -> None:
        if not self.running_ui:
            return
        self.pending.returned(message.result.target.key, ok=not message.result.error)
        self.main.table.touch([message.result.target.key])

    def on_actions_finished(self, message: ActionsFinished) -> None:
        """One report per user action: what worked, and each failure with host and reason."""
        if not self.running_ui:
            return
        label = message.spec.label
        done = [r for r in message.results if not r.error]
        failed = [r for r in message.results if r.error]
        lines = []
        if done:
            lines.append(f"{label}: " + ", ".join(r.target.name for r in done) + " done")
        lines += [f"{label} failed for {r.target.name} on {r.target.host_name}: {r.error}" for r in failed]
        lines += [f"{r.target.name}: {w}" for r in done for w in r.warnings]
        trouble = failed or any(r.warnings for r in done)
        self.notify(
            "\n".join(lines), severity="error" if trouble else "information", timeout=10 if trouble else 4
        )
        self.main.refresh_bindings()

    def _check_shutdowns(self) -> None:
        """A guest that ignores a shutdown is offered a force off instead of a wait forever."""
        if not self.running_ui:
            return
        for key in self.pending.overdue_shutdowns(time.monotonic()):
            row = self.main.table.item(key)
            if row is None:
                self.pending.forget(key)
                continue
            d = row.domain
            target = GuestTarget.of(key, d, row.host_uri)
            timeout = self.config.shutdown_timeout
            body = (
                f"{target.name} on {d.host} is still {d.state.label} {timeout:g} s after the shutdown "
                "request.\n"
                "The guest may ignore ACPI shutdown requests. Force it off (unsaved data is lost)?"
            )
            choices = [
                ("force", "f", "Force off"),
                ("wait", "w", "Keep waiting"),
                ("cancel", "c", "Stop waiting"),
            ]

            def chosen(choice: str | None, target: GuestTarget = target) -> None:
                if choice == "force":
                    self.start_action(SPECS[Action.FORCE_OFF], [target])
                elif choice == "wait":
                    self.pending.extend(target.key, time.monotonic(), self.config.shutdown_timeout)
                else:
                    self.pending.forget(target.key)
                    self.main.table.touch([target.key])

            self.push_screen(ChoiceScreen("Shutdown is taking long", body, choices), chosen)
