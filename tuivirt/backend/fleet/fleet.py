"""The fleet: the hosts of this run, one session per connected host, and the calls to them.

The UI loop owns it: every method but ``call`` and ``act`` is called from that one thread.
Sessions report from their own threads through the listener, which only hands data over.
"""

from __future__ import annotations

import contextlib
import getpass
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from libvirt import libvirtError, virConnect

from tuivirt.backend.eventlog.store import Event, EventStore
from tuivirt.backend.fleet.host_list import HostList
from tuivirt.backend.fleet.listener import FleetListener, HeldListener
from tuivirt.backend.fleet.targets import GuestResult, GuestTarget
from tuivirt.backend.live.connection import DEFAULT_OPEN_TIMEOUT, HostError, describe_error, open_connection
from tuivirt.backend.live.models import HostConfig, HostSnapshot, HostStatus
from tuivirt.backend.live.session import HostSession
from tuivirt.backend.ops.common.progress import Cancelled
from tuivirt.backend.ops.lifecycle.actions import Action, ActionSpec, run_action
from tuivirt.backend.ops.lifecycle.delete import DeleteOptions, delete_guest
from tuivirt.backend.ops.snapshots.snapshots import SnapshotRequest, create_snapshot

R = TypeVar("R")


class HostCallError(Exception):
    """A call to a host that failed, phrased for the user: what, on which host, and why."""

    def __init__(self, what: str, host: str, reason: str, *, cancelled: bool = False) -> None:
        super().__init__(f"{what} on {host}: {reason}")
        self.what, self.host, self.reason = what, host, reason
        self.cancelled = cancelled  # the user stopped it (and what it made is gone)


def has_own_connections(uri: str) -> bool:
    """Whether a second connection to ``uri`` sees the same host. Not so for the test driver: each
    connection to a node file is a node of its own."""
    return not uri.startswith("test")


class Fleet:
    def __init__(
        self, hosts: HostList, *, refresh: float, readonly: bool, events: EventStore | None = None
    ) -> None:
        self.hosts = hosts
        self.events = events or EventStore()  # every host's events and our actions (the log, L)
        self.readonly = readonly
        self._refresh = refresh
        self._listener: FleetListener | None = None
        self.sessions: dict[str, HostSession] = {}  # by URI, the connected (or connecting) hosts
        self.snapshots: dict[str, HostSnapshot] = {}  # by URI, each host's latest accepted
        # The guests a screen shows, by URI (None: no screen, every guest is read in full).
        self._on_screen: dict[str, frozenset[str]] | None = None

    def connect_early(self) -> None:
        """Start connecting before there is anyone to show the hosts to (the command line does,
        before it loads the UI): ``start`` then hands over what came meanwhile. On a remote host the
        connection's round trips overlap the UI's start instead of following it."""
        if self._listener is None:
            self._start(HeldListener())

    def start(self, listener: FleetListener) -> None:
        """Connect the hosts marked to connect at start; report the others as offline."""
        if isinstance(self._listener, HeldListener):
            self._listener.hand_over(listener)
            return
        self._start(listener)

    def _start(self, listener: FleetListener) -> None:
        self._listener = listener
        for host in self.hosts:
            if host.autoconnect:
                self.connect(host.uri)
            else:
                self._show_offline(host)

    def show_on_screen(self, uuids_by_uri: dict[str, frozenset[str]]) -> None:
        """The guests each host has on screen: their per-guest reads (snapshot count, next boot,
        address) are the ones made and kept fresh; the others' wait until they show."""
        self._on_screen = dict(uuids_by_uri)
        for uri, session in list(self.sessions.items()):
            session.show_on_screen(uuids_by_uri.get(uri, frozenset()))

    def stop(self) -> None:
        for session in list(self.sessions.values()):
            session.stop(timeout=0)  # daemon threads: a host stuck in a call must not delay quitting
        self.events.close()

    # -- hosts: connect, disconnect, add, edit, remove -------------------------------------

    def connect(self, uri: str) -> None:
        if uri in self.sessions or self._listener is None:
            return
        listener = self._listener
        session: HostSession

        def report(snapshot: HostSnapshot) -> None:  # on the session's thread
            listener.host_updated(snapshot, session)

        session = HostSession(
            self.hosts.get(uri),
            report,
            refresh=self._refresh,
            readonly=self.readonly,
            on_events=self.events.append,
        )
        self.sessions[uri] = session
        if self._on_screen is not None:
            session.show_on_screen(self._on_screen.get(uri, frozenset()))
        session.start()

    def disconnect(self, uri: str) -> None:
        session = self.sessions.pop(uri, None)
        if session is not None:
            session.stop(timeout=0)  # it may be stuck in a call to a frozen host: do not wait
        if self.hosts.find(uri) is not None:
            self._show_offline(self.hosts.get(uri))

    def _show_offline(self, host: HostConfig) -> None:
        if self._listener is not None:
            self._listener.host_updated(HostSnapshot(host, HostStatus.OFFLINE), None)

    def add(self, host: HostConfig) -> None:
        self.hosts.add(host)
        if host.autoconnect:
            self.connect(host.uri)
        else:
            self._show_offline(host)

    def edit(self, old_uri: str, host: HostConfig) -> None:
        """A changed host reconnects (with its new name or URI) if it was connected."""
        was_connected = old_uri in self.sessions
        self.remove(old_uri, keep_place=True)
        self.hosts.add(host, replacing=old_uri)
        if was_connected:
            self.connect(host.uri)
        else:
            self._show_offline(host)

    def remove(self, uri: str, *, keep_place: bool = False) -> None:
        session = self.sessions.pop(uri, None)
        if session is not None:
            session.stop(timeout=0)
        if not keep_place:
            self.hosts.remove(uri)
        self.snapshots.pop(uri, None)
        if self._listener is not None:
            self._listener.host_removed(uri)

    def accept(self, snapshot: HostSnapshot, source: HostSession | None) -> bool:
        """Keep a reported snapshot, unless it is stale: from a host removed or edited since, from
        a session disconnected since, or an "offline" overtaken by a connect."""
        uri = snapshot.config.uri
        if self.hosts.find(uri) != snapshot.config or source is not self.sessions.get(uri):
            return False
        self.snapshots[uri] = snapshot
        return True

    def up_hosts(self) -> list[str]:
        """The URIs of the connected hosts whose latest snapshot says up."""
        return [u for u in self.sessions if (s := self.snapshots.get(u)) and s.status is HostStatus.UP]

    def in_host_order(self) -> dict[str, HostSnapshot]:
        return {h.uri: self.snapshots[h.uri] for h in self.hosts if h.uri in self.snapshots}

    def host_name(self, uri: str) -> str:
        host = self.hosts.find(uri)
        return host.name if host else uri

    # -- the log of our own actions (any thread) --------------------------------------------

    def record(
        self,
        uri: str,
        what: str,
        *,
        error: str = "",
        guest: str = "",
        name: str = "",
        cancelled: bool = False,
    ) -> None:
        """Log one of our actions: who ran it, on which host and guest (UUID ``guest``, its
        ``name`` found from the host's latest snapshot unless given), and how it went."""
        if guest and not name:
            snapshot = self.snapshots.get(uri)
            found = snapshot and next((d for d in snapshot.domains if d.uuid == guest), None)
            name = found.name if found else ""
        text = f"{what}: done"
        if cancelled:
            text = f"{what}: cancelled" + (f" ({error})" if error and error != "cancelled" else "")
        elif error:
            text = f"{what}: failed: {error}"
        event = Event(time.time(), self.host_name(uri), "action", text, name, guest, getpass.getuser(), uri)
        self.events.append([event])

    @contextlib.contextmanager
    def recording(self, uri: str, what: str, *, guest: str = "", name: str = "") -> Iterator[None]:
        """Log the calls made inside as one action: done, or failed with the HostCallError's reason.
        ``name``: the guest's, when the host's snapshot may have lost it by the end (a host gone)."""
        try:
            yield
        except HostCallError as exc:
            self.record(uri, what, error=exc.reason, guest=guest, name=name, cancelled=exc.cancelled)
            raise
        self.record(uri, what, guest=guest, name=name)

    # -- calls: on a worker thread, never the UI loop --------------------------------------

    def session(self, uri: str) -> HostSession:
        session = self.sessions.get(uri)
        if session is None:
            raise HostError(f"{self.host_name(uri)} is not connected")
        return session

    def call(
        self,
        uri: str,
        work: Callable[[virConnect], R],
        *,
        what: str,
        changes: bool = False,
        guest: str | None = None,
        record: bool | None = None,
    ) -> R:
        """Run ``work`` with the host's connection (blocks: never on the UI loop). Any failure,
        a libvirt error or a host that is not connected, comes out as a HostCallError. ``guest``:
        the UUID of the only guest a change touched (only its attributes are read again). A
        change goes to the event log, unless ``record`` says otherwise."""
        if changes if record is None else record:
            with self.recording(uri, what, guest=guest or ""):
                return self.call(uri, work, what=what, changes=changes, guest=guest, record=False)
        try:
            return self.session(uri).call(work, changes=changes, guest=guest)
        except Exception as exc:  # libvirtError, HostError, a parse error in what came back
            raise HostCallError(what, self.host_name(uri), describe_error(exc)) from exc

    def call_long(self, uri: str, work: Callable[[virConnect], R], *, what: str, guest: str = "") -> R:
        """Long work (a copy, an upload) on a connection of its own, so that the host's polling
        and the other calls go on meanwhile; failures as in ``call``. Logged as an action."""
        with self.recording(uri, what, guest=guest):
            return self._call_long(uri, work, what=what)

    def _call_long(self, uri: str, work: Callable[[virConnect], R], *, what: str) -> R:
        host = self.host_name(uri)
        try:
            session = self.session(uri)
            if not has_own_connections(uri):
                return session.call(work)
            conn = open_connection(uri, timeout=DEFAULT_OPEN_TIMEOUT)
            try:
                return work(conn)
            finally:
                with contextlib.suppress(libvirtError):
                    conn.close()
                session.refresh_now()
        except Cancelled as exc:
            raise HostCallError(what, host, str(exc) or "cancelled", cancelled=True) from exc
        except Exception as exc:  # libvirtError, HostError, OSError of a local file
            raise HostCallError(what, host, describe_error(exc)) from exc

    def call_between(
        self,
        source_uri: str,
        target_uri: str,
        work: Callable[[virConnect, virConnect], R],
        *,
        what: str,
        guest: str = "",
        name: str = "",
    ) -> R:
        """Work between two hosts (a migration), on connections of its own to each; failures as
        in ``call``, named by the source host, with the host whose connection died named in the
        reason. Logged as an action of the source host's."""
        with self.recording(source_uri, what, guest=guest, name=name):
            return self._call_between(source_uri, target_uri, work, what=what)

    def _call_between(
        self, source_uri: str, target_uri: str, work: Callable[[virConnect, virConnect], R], *, what: str
    ) -> R:
        opened: list[virConnect] = []
        try:
            for uri in (source_uri, target_uri):
                self.session(uri)  # connected hosts only
                opened.append(open_connection(uri, timeout=DEFAULT_OPEN_TIMEOUT))
            return work(*opened)
        except Cancelled as exc:
            raise HostCallError(what, self.host_name(source_uri), str(exc), cancelled=True) from exc
        except Exception as exc:  # libvirtError, HostError
            reason = describe_error(exc)
            dead = [
                self.host_name(uri)
                for uri, conn in zip((source_uri, target_uri), opened, strict=False)
                if not _alive(conn)
            ]
            if dead:  # ("client socket is closed" named no host)
                reason = f"the connection to {' and '.join(dead)} was lost: {reason}"
            raise HostCallError(what, self.host_name(source_uri), reason) from exc
        finally:
            for conn in opened:
                with contextlib.suppress(libvirtError):
                    conn.close()
            for uri in (source_uri, target_uri):
                if uri in self.sessions:
                    self.sessions[uri].refresh_now()

    def act(
        self,
        spec: ActionSpec,
        targets: list[GuestTarget],
        options: Mapping[str, DeleteOptions | SnapshotRequest],
        on_result: Callable[[GuestResult], None],
    ) -> list[GuestResult]:
        """Each host's guests in turn, the hosts side by side (a frozen host holds up only its own
        guests); one failure never stops the others. The results keep the order of ``targets``."""
        results: dict[str, GuestResult] = {}

        def run_host(host_targets: list[GuestTarget]) -> None:
            for target in host_targets:
                try:
                    result = self._act_on(spec, target, options.get(target.key))
                except Exception as exc:  # libvirtError, HostError: reported per guest
                    result = GuestResult(target, error=describe_error(exc))
                on_result(result)
                results[target.key] = result

        by_host: dict[str, list[GuestTarget]] = {}
        for target in targets:
            by_host.setdefault(target.host_uri, []).append(target)
        with ThreadPoolExecutor(max_workers=max(1, len(by_host)), thread_name_prefix="action") as pool:
            list(pool.map(run_host, by_host.values()))
        for t in targets:
            self.record(t.host_uri, spec.label, error=results[t.key].error, guest=t.uuid, name=t.name)
        return [results[t.key] for t in targets]

    def _act_on(
        self, spec: ActionSpec, target: GuestTarget, options: DeleteOptions | SnapshotRequest | None
    ) -> GuestResult:
        session = self.session(target.host_uri)
        if spec.action is Action.DELETE:
            delete = options if isinstance(options, DeleteOptions) else DeleteOptions()
            outcome = session.call(lambda conn: delete_guest(conn, target.uuid, delete))
            return GuestResult(target, warnings=tuple(outcome.problems))
        if spec.action is Action.SNAPSHOT:
            if not isinstance(options, SnapshotRequest):
                raise ValueError("a snapshot needs its name")
            request = options
            taken = session.call(lambda conn: create_snapshot(conn, target.uuid, request))
            plain = "crash-consistent" in taken.note  # said, so nobody counts on a quiesced copy
            return GuestResult(target, warnings=(f"snapshot {taken.name} {taken.note}",) if plain else ())
        session.call(lambda conn: run_action(conn, target.uuid, spec.action))
        return GuestResult(target)


def _alive(conn: virConnect) -> bool:
    """Whether the connection still stands (a local check: no call to the host)."""
    try:
        return bool(conn.isAlive())
    except libvirtError:
        return False
