"""One thread per host: connect, poll, report; on failure report why and try again."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable

import libvirt

from tuivirt.backend.connection import DEFAULT_OPEN_TIMEOUT, HostError, describe_error, open_connection
from tuivirt.backend.inventory import read_domains
from tuivirt.backend.models import DomainSnapshot, HostConfig, HostSnapshot, HostStatus

Listener = Callable[[HostSnapshot], None]
RETRY_SECONDS = 5.0


class HostSession:
    """Keeps one host's snapshot fresh and hands every new one to ``listener``.

    The listener runs on this session's thread; it must only hand the data over (the UI
    posts a message). A host that fails never affects another session.
    """

    def __init__(
        self,
        config: HostConfig,
        listener: Listener,
        *,
        refresh: float = 2.0,
        readonly: bool = False,
        open_timeout: float = DEFAULT_OPEN_TIMEOUT,
    ) -> None:
        self.config = config
        self._listener = listener
        self._refresh = refresh
        self._readonly = readonly
        self._open_timeout = open_timeout
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"host {config.name}", daemon=True)
        self._conn: libvirt.virConnect | None = None

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _report(self, status: HostStatus, reason: str = "", domains: tuple[DomainSnapshot, ...] = ()) -> None:
        self._listener(HostSnapshot(self.config, status, reason, domains))

    def _run(self) -> None:
        while not self._stop.is_set():
            if self._conn is None:
                self._report(HostStatus.CONNECTING)
                try:
                    self._conn = open_connection(
                        self.config.uri, readonly=self._readonly, timeout=self._open_timeout
                    )
                except HostError as exc:
                    self._report(HostStatus.DOWN, str(exc))
                    self._stop.wait(RETRY_SECONDS)
                    continue
            try:
                domains = read_domains(self._conn, self.config.name)
            except libvirt.libvirtError as exc:
                self._report(HostStatus.DOWN, describe_error(exc))
                self._close()
                self._stop.wait(RETRY_SECONDS)
                continue
            self._report(HostStatus.UP, domains=domains)
            self._stop.wait(self._refresh)
        self._close()

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            # A broken connection may fail to close: there is nothing left to release then.
            with contextlib.suppress(libvirt.libvirtError):
                conn.close()
