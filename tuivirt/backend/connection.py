"""Opening libvirt connections without hanging, and turning libvirt errors into one line."""

from __future__ import annotations

import threading
from urllib.parse import urlsplit

import libvirt

DEFAULT_URI = "qemu:///system"
DEFAULT_OPEN_TIMEOUT = 10.0


class HostError(Exception):
    """A failure talking to a host, already phrased for the user."""


def describe_error(exc: BaseException) -> str:
    """libvirt's own message on one line, without a traceback."""
    message = ""
    if isinstance(exc, libvirt.libvirtError):
        message = exc.get_error_message() or ""
    message = message or str(exc) or type(exc).__name__
    return " ".join(message.split())


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
            conn = libvirt.openReadOnly(uri) if readonly else libvirt.open(uri)
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
