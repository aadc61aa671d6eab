"""Opening libvirt connections without hanging, and turning libvirt errors into one line."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import libvirt

DEFAULT_URI = "qemu:///system"
DEFAULT_OPEN_TIMEOUT = 10.0


class HostError(Exception):
    """A failure talking to a host, already phrased for the user."""


# What ssh prints when it cannot log in, and what the user should do about it.
SSH_FAILURES = {
    "Permission denied": "ssh authentication failed (tuivirt needs key or agent authentication)",
    "Host key verification failed": "ssh does not know this host's key (connect once with ssh, "
    "or add no_verify=1 to the URI)",
    "Could not resolve hostname": "unknown host name",
    "Connection refused": "connection refused",
    "Connection timed out": "connection timed out",
}


def describe_error(exc: BaseException) -> str:
    """libvirt's own message on one line, without a traceback; ssh failures said plainly first."""
    message = ""
    if isinstance(exc, libvirt.libvirtError):
        message = exc.get_error_message() or ""
    message = " ".join((message or str(exc) or type(exc).__name__).split())
    for needle, meaning in SSH_FAILURES.items():
        if needle in message and message.startswith("Cannot recv data"):
            return f"{meaning}: {message}"
    return message


def connect_uri(uri: str) -> str:
    """The URI as tuivirt opens it: ssh transports get ``no_tty=1``, so that ssh never asks for a
    password or a host key on the terminal the UI owns (it fails with a message instead)."""
    parts = urlsplit(uri)
    if not parts.scheme.endswith("+ssh"):
        return uri
    query = parse_qsl(parts.query, keep_blank_values=True)
    if any(key == "no_tty" for key, _ in query):
        return uri
    return urlunsplit(parts._replace(query=urlencode([*query, ("no_tty", "1")], safe="/")))


def host_name_for(uri: str) -> str:
    """A short display name for a URI: the remote host, the node file's stem, or "localhost"."""
    parts = urlsplit(uri)
    if parts.hostname:
        return parts.hostname
    if parts.scheme.startswith("test") and parts.path not in ("", "/", "/default"):
        stem = parts.path.rstrip("/").rsplit("/", 1)[-1]
        return stem.removesuffix(".xml") or "test"
    if parts.scheme.startswith("test"):
        return "test"
    return "localhost"


def open_connection(
    uri: str, *, readonly: bool = False, timeout: float = DEFAULT_OPEN_TIMEOUT
) -> libvirt.virConnect:
    """Open ``uri`` in a helper thread, giving up after ``timeout`` seconds.

    ``libvirt.open`` on a frozen daemon blocks for tens of seconds and cannot be interrupted,
    so it runs on a thread of its own; a connection that arrives after we gave up is closed.
    """
    lock = threading.Lock()
    done = threading.Event()
    outcome: dict[str, object] = {}
    abandoned = False

    def target() -> None:
        try:
            target_uri = connect_uri(uri)
            conn = libvirt.openReadOnly(target_uri) if readonly else libvirt.open(target_uri)
        except Exception as exc:  # libvirtError, or anything the bindings raise
            outcome["error"] = exc
            done.set()
            return
        with lock:
            if abandoned:
                conn.close()
                return
            outcome["conn"] = conn
            done.set()

    threading.Thread(target=target, name=f"libvirt-open {uri}", daemon=True).start()
    if not done.wait(timeout):
        with lock:
            if not done.is_set():
                abandoned = True
                raise HostError(f"no answer from {uri} within {timeout:g} s")
    if "error" in outcome:
        raise HostError(describe_error(outcome["error"]))  # type: ignore[arg-type]
    conn = outcome["conn"]
    assert isinstance(conn, libvirt.virConnect)
    return conn


class SharedConnection:
    """One host's connection, lent to several threads: one call at a time, and closed only once no
    call is under way.

    libvirt 9.0's client crashed the process (SIGSEGV in getAllDomainStats) when keepalive dropped
    a frozen host's connection while two threads were waiting in calls on it; with calls taking
    turns, a frozen host holds one call, and the others fail at once when keepalive gives up.
    """

    def __init__(self, conn: libvirt.virConnect) -> None:
        self.conn = conn
        self._turn = threading.Lock()  # held for the length of one call
        self._lock = threading.Lock()  # guards the two counters below
        self._users = 0
        self._closing = False

    @contextlib.contextmanager
    def use(self) -> Iterator[libvirt.virConnect]:
        """The connection, for one call; HostError once it is closing."""
        with self._lock:
            if self._closing:
                raise HostError("the connection is closed")
            self._users += 1
        try:
            with self._turn:
                yield self.conn
        finally:
            self._done()

    def _done(self) -> None:
        with self._lock:
            self._users -= 1
            close_now = self._closing and self._users == 0
        if close_now:
            self._close()

    def close(self) -> None:
        """Close now, or when the last call under way returns."""
        with self._lock:
            self._closing = True
            close_now = self._users == 0
        if close_now:
            self._close()

    def _close(self) -> None:
        with contextlib.suppress(libvirt.libvirtError):  # a broken connection may refuse: nothing to free
            self.conn.close()


class Turns(Protocol):
    """A connection lent one call at a time: SharedConnection, or Solo for a connection of one's own."""

    def use(self) -> contextlib.AbstractContextManager[libvirt.virConnect]: ...


class Solo:
    """A connection nobody else uses (`tuivirt list`, a script, a test): every turn is ours."""

    def __init__(self, conn: libvirt.virConnect) -> None:
        self.conn = conn

    @contextlib.contextmanager
    def use(self) -> Iterator[libvirt.virConnect]:
        yield self.conn


def turns_of(conn: libvirt.virConnect | Turns) -> Turns:
    return Solo(conn) if isinstance(conn, libvirt.virConnect) else conn
