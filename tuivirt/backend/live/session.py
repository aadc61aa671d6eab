"""One thread per host: connect, listen for events, poll, and reconnect with backoff when lost."""

from __future__ import annotations

import contextlib
import queue
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TypeVar

import libvirt

from tuivirt.backend.eventlog.recorder import EventRecorder, Sink
from tuivirt.backend.live.connection import (
    DEFAULT_OPEN_TIMEOUT,
    HostError,
    SharedConnection,
    describe_error,
    open_connection,
)
from tuivirt.backend.live.events import (
    AGENT_CONNECTED,
    AGENT_GONE,
    CHANGE_EVENTS,
    CLOSE_REASONS,
    EVENT_STATES,
    KEEPALIVE_COUNT,
    KEEPALIVE_INTERVAL,
    READS_SHARE,
    backoff_delays,
    ensure_event_loop,
)
from tuivirt.backend.live.models import DomainState, HostConfig, HostFacts, HostSnapshot, HostStatus
from tuivirt.backend.live.poller import HostPoller, read_facts

Listener = Callable[[HostSnapshot], None]
R = TypeVar("R")


class HostSession:
    """Keeps one host's snapshot fresh and hands every new one to ``listener``.

    The listener and libvirt's callbacks must only hand data over (the UI posts a message); all
    libvirt calls of this host happen on this session's thread, so a dead or slow host never
    holds up the UI or another host.
    """

    def __init__(
        self,
        config: HostConfig,
        listener: Listener,
        *,
        refresh: float = 2.0,
        readonly: bool = False,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
        on_events: Sink | None = None,
    ) -> None:
        """``on_events``: where this host's events go, for the event log (on this session's thread)."""
        self.config = config
        self._listener = listener
        self._refresh = refresh
        self._readonly = readonly
        self._open_timeout = open_timeout
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._events: queue.SimpleQueue[tuple[str, int]] = queue.SimpleQueue()
        self._lost: str | None = None
        self._tick_now = False
        self._thread = threading.Thread(target=self._run, name=f"host {config.name}", daemon=True)
        self._conn: libvirt.virConnect | None = None  # used by this thread
        self._shared: SharedConnection | None = None  # the same, lent to callers of call()
        self._callback_ids: list[int] = []
        self._pool_callback_ids: list[int] = []
        self._network_callback_ids: list[int] = []
        # Count libvirt's storage pool and network events (defined, started, refreshed …): the
        # storage and network screens read again when these move, instead of on every tick.
        self.storage_changes = 0
        self.network_changes = 0
        self._poller: HostPoller | None = None
        self._on_screen: frozenset[str] | None = None  # the guests a screen shows (None: all)
        self._last: HostSnapshot | None = None
        self._recorder = EventRecorder(config.name, config.uri, on_events) if on_events else None
        self._logged_up: bool | None = None  # the host's last state said to the log

    # -- called from other threads ---------------------------------------------------------

    def start(self) -> None:
        ensure_event_loop()  # before the first connection, or events and keepalive fail
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread.is_alive() and timeout > 0:
            self._thread.join(timeout)

    def refresh_now(self, uuid: str | None = None) -> None:
        """Tick at once, reading attributes again (after an action of ours changed them)."""
        self._events.put((uuid or "", -1))
        self._wake.set()

    def show_on_screen(self, uuids: frozenset[str]) -> None:
        """The guests of this host a screen shows now: their per-guest reads come first, and only
        theirs are kept fresh (any thread: the set is replaced whole)."""
        self._on_screen = uuids
        poller = self._poller
        if poller is not None:
            poller.reads.visible = uuids

    def call(
        self, work: Callable[[libvirt.virConnect], R], *, changes: bool = True, guest: str | None = None
    ) -> R:
        """Run ``work`` with this host's connection on the caller's thread (a virConnect may be
        shared between threads), then, if it ``changes`` things, tick early so they show at once
        (reading again the attributes of ``guest``, or of every guest)."""
        shared = self._shared
        if shared is None:
            raise HostError(f"{self.config.name} is not connected")
        try:
            with shared.use() as conn:
                return work(conn)
        finally:
            if changes:
                self.refresh_now(guest)

    def _on_lifecycle(
        self, _conn: object, dom: libvirt.virDomain, event: int, detail: int, _o: object
    ) -> None:
        """Runs on the event loop thread: queue the fact, wake the session, call no libvirt RPC."""
        self._events.put((dom.UUIDString(), event))
        if self._recorder is not None:
            self._recorder.lifecycle(dom, event, detail)
        self._wake.set()

    def _on_pool_event(self, *_args: object) -> None:
        """Runs on the event loop thread: count it, nothing else."""
        self.storage_changes += 1

    def _on_network_event(self, *_args: object) -> None:
        self.network_changes += 1

    def _on_agent(self, _conn: object, dom: libvirt.virDomain, state: int, _reason: int, _o: object) -> None:
        """The guest agent connected or went away (event loop thread): queued like a lifecycle event."""
        connected = state == libvirt.VIR_CONNECT_DOMAIN_EVENT_AGENT_LIFECYCLE_STATE_CONNECTED
        self._events.put((dom.UUIDString(), AGENT_CONNECTED if connected else AGENT_GONE))
        if self._recorder is not None:
            self._recorder.agent(dom, connected)
        self._wake.set()

    def _on_metadata(self, _conn: object, dom: libvirt.virDomain, *_args: object) -> None:
        """A guest's metadata, devices, tunables or balloon changed: read it again, as after a define."""
        self._events.put((dom.UUIDString(), -1))
        self._wake.set()

    def _on_device_removed(self, conn: object, dom: libvirt.virDomain, alias: str, _o: object) -> None:
        """A device left the guest: read it again, and say so in the log (the recorder's, handed over)."""
        self._on_metadata(conn, dom)
        if self._recorder is not None:
            self._recorder.device_removed(dom, alias)

    def _on_close(self, reason: int) -> None:
        """Runs on the event loop thread when the connection dies."""
        self._lost = CLOSE_REASONS.get(reason, f"connection closed (reason {reason})")
        self._wake.set()

    # -- the session thread ----------------------------------------------------------------

    def _emit(self, snapshot: HostSnapshot) -> None:
        self._last = snapshot
        self._listener(snapshot)
        if self._recorder is not None:
            up = snapshot.status is HostStatus.UP
            if snapshot.status in (HostStatus.UP, HostStatus.DOWN) and up != self._logged_up:
                self._logged_up = up
                self._recorder.host("up" if up else f"down: {snapshot.reason}")
            self._recorder.flush()

    def _run(self) -> None:
        delays = backoff_delays()
        failures = 0
        lost = ""  # why the host went down, shown while reconnecting
        while not self._stop.is_set():
            if self._conn is None:
                reason = self._connect(lost)
                if reason is not None:
                    lost = reason
                    delay = delays[min(failures, len(delays) - 1)]
                    failures += 1
                    self._emit(
                        HostSnapshot(self.config, HostStatus.DOWN, reason, retry_at=time.time() + delay)
                    )
                    self._stop.wait(delay)
                    continue
                failures, lost = 0, ""
            try:
                self._serve()
            except Exception as exc:  # libvirtError mostly; anything else must not kill the thread
                self._lost = self._lost or describe_error(exc)
            if self._lost is not None and not self._stop.is_set():
                lost, self._lost = self._lost, None
                self._disconnect()
                self._emit(HostSnapshot(self.config, HostStatus.DOWN, lost, retry_at=time.time()))
        self._disconnect()

    def _connect(self, lost: str) -> str | None:
        """Open the connection and register callbacks; the reason on failure. ``lost``: why the
        last connection or attempt failed, shown while this one is under way."""
        self._emit(HostSnapshot(self.config, HostStatus.CONNECTING, lost, facts=self._facts()))
        try:
            conn = open_connection(self.config.uri, readonly=self._readonly, timeout=self._open_timeout)
        except HostError as exc:
            return str(exc)
        self._conn, self._shared, self._lost = conn, SharedConnection(conn), None
        try:
            with self._shared.use():  # callers of call() wait until the connection is set up
                self._set_up(conn)
        except libvirt.libvirtError as exc:
            self._disconnect()
            return describe_error(exc)
        return None

    def _set_up(self, conn: libvirt.virConnect) -> None:
        """Keepalive and the close callback: what the first poll needs. What the host says of itself
        and the events come after it (``_after_first_poll``): on a remote host they are twenty round
        trips the first paint need not wait for; the second poll catches what changed meanwhile."""
        try:
            conn.setKeepAlive(KEEPALIVE_INTERVAL, KEEPALIVE_COUNT)
        except libvirt.libvirtError as exc:
            if exc.get_error_code() != libvirt.VIR_ERR_NO_SUPPORT:  # the test driver has none
                raise
        # Through a weak reference: libvirt-python keeps what it is given here for good on drivers
        # that have no close callbacks (the test driver), and with it this session and its history.
        conn.registerCloseCallback(_relay_close, weakref.ref(self))
        self._poller = HostPoller(self.config, self._facts())  # (read after the first poll)
        self._poller.reads.visible = self._on_screen

    def _after_first_poll(self, snapshot: HostSnapshot) -> None:
        assert self._shared is not None and self._poller is not None
        with self._shared.use() as conn:
            self._poller.facts = read_facts(conn)
        self._emit(replace(snapshot, facts=self._poller.facts))
        with self._shared.use() as conn:
            self._register_events(conn)

    def _register_events(self, conn: libvirt.virConnect) -> None:
        """Lifecycle, agent, change, pool and network events (and the event log's)."""
        self._callback_ids = [
            conn.domainEventRegisterAny(
                None, libvirt.VIR_DOMAIN_EVENT_ID_LIFECYCLE, self._on_lifecycle, None
            ),
            *_optional(
                lambda: conn.domainEventRegisterAny(
                    None, libvirt.VIR_DOMAIN_EVENT_ID_AGENT_LIFECYCLE, self._on_agent, None
                )
            ),
            # What changes a guest's definition without a lifecycle event: its tags, and what
            # its next boot brings (the per-guest reads are made again: guest_reads.py).
            *(
                callback
                for event in CHANGE_EVENTS
                for callback in _optional(
                    partial(conn.domainEventRegisterAny, None, event, self._on_metadata, None)
                )
            ),
            *_optional(
                lambda: conn.domainEventRegisterAny(
                    None, libvirt.VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, self._on_device_removed, None
                )
            ),
        ]
        if self._recorder is not None:
            self._callback_ids += self._recorder.register(conn, _optional)
        self._pool_callback_ids = [
            callback
            for event in (
                libvirt.VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
                libvirt.VIR_STORAGE_POOL_EVENT_ID_REFRESH,
            )
            for callback in _optional(
                partial(conn.storagePoolEventRegisterAny, None, event, self._on_pool_event, None)
            )
        ]
        self._network_callback_ids = _optional(
            lambda: conn.networkEventRegisterAny(
                None, libvirt.VIR_NETWORK_EVENT_ID_LIFECYCLE, self._on_network_event, None
            )
        )

    def _facts(self) -> HostFacts:
        """What we knew of the host before it went away (shown while reconnecting)."""
        return self._poller.facts if self._poller else HostFacts()

    def _serve(self) -> None:
        """Tick every ``refresh`` seconds, applying events in between, until the connection is lost."""
        assert self._shared is not None and self._poller is not None
        first = True
        while not self._stop.is_set() and self._lost is None:
            self._tick_now = False
            deadline = time.monotonic() + self._refresh  # (a slow host's polls keep their pace)
            snapshot = self._poller.tick(self._shared)  # each call taking its turn with call()
            self._emit(snapshot)
            if first:
                first = False
                self._after_first_poll(snapshot)
            self._read_guests(until=min(deadline, time.monotonic() + self._refresh * READS_SHARE))
            while not self._stop.is_set() and self._lost is None and not self._tick_now:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._wake.wait(remaining)
                self._wake.clear()
                self._apply_events()

    def _read_guests(self, until: float) -> None:
        """The per-guest reads that are due (guest_reads.py), one per turn on the connection so
        that an action waits for one read at most, until ``until``; then the snapshot again with
        what they brought."""
        assert self._shared is not None and self._poller is not None
        read_any = False
        for uuid, read in self._poller.due_reads():
            if self._stop.is_set() or self._lost is not None or time.monotonic() >= until:
                break
            self._poller.read(self._shared, uuid, read)
            read_any = True
            self._apply_events()  # (a lifecycle event shows at once, reads or not)
        if read_any and self._last is not None and not self._stop.is_set() and self._lost is None:
            self._emit(self._poller.rebuild(self._last))

    def _apply_events(self) -> None:
        """Show queued lifecycle events at once; tick early when the set of guests changed."""
        assert self._poller is not None
        changed: dict[str, DomainState] = {}
        while True:
            try:
                uuid, event = self._events.get_nowait()
            except queue.Empty:
                break
            if event in (AGENT_CONNECTED, AGENT_GONE):
                self._poller.agent_event(uuid, connected=event == AGENT_CONNECTED)
                self._tick_now = True
                continue
            if event < 0 or EVENT_STATES.get(event) is None:  # refresh request, define, undefine
                self._poller.invalidate(uuid or None)
                self._tick_now = True
                continue
            state = EVENT_STATES[event]
            assert state is not None
            changed[uuid] = state
            self._poller.invalidate(uuid)  # a start can bring new vCPUs or memory
        if not changed or self._last is None:
            return
        known = {d.uuid for d in self._last.domains}
        if not changed.keys() <= known:
            self._tick_now = True  # a transient guest we have not seen yet
        domains = tuple(
            replace(d, state=changed[d.uuid]) if d.uuid in changed else d for d in self._last.domains
        )
        self._emit(replace(self._last, domains=domains))

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        shared, self._shared = self._shared, None
        if conn is None or shared is None:
            return
        # A broken connection may refuse these: there is nothing left to release then.
        with contextlib.suppress(HostError), shared.use():
            for callback_id in self._callback_ids:
                with contextlib.suppress(libvirt.libvirtError):
                    conn.domainEventDeregisterAny(callback_id)
            for callback_id in self._pool_callback_ids:
                with contextlib.suppress(libvirt.libvirtError):
                    conn.storagePoolEventDeregisterAny(callback_id)
            for callback_id in self._network_callback_ids:
                with contextlib.suppress(libvirt.libvirtError):
                    conn.networkEventDeregisterAny(callback_id)
            with contextlib.suppress(libvirt.libvirtError):
                conn.unregisterCloseCallback()
        self._callback_ids, self._pool_callback_ids, self._network_callback_ids = [], [], []
        shared.close()  # now, or when the last call() on it returns


def _optional(register: Callable[[], int]) -> list[int]:
    """Events a host's libvirt may predate (pool events came with 2.0): without them the screens
    that use them read on open and on r only, and the host still connects."""
    try:
        return [register()]
    except libvirt.libvirtError:
        return []


def _relay_close(_conn: object, reason: int, session: weakref.ref[HostSession]) -> None:
    """libvirt's close callback, on the event loop thread: tells the session, if it still exists."""
    alive = session()
    if alive is not None:
        alive._on_close(reason)
