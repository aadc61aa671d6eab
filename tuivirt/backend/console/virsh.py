"""A guest's serial console: `virsh console` under pexpect, read on a thread of its own.

virsh carries every URI virsh can open (qemu+ssh:// too) and speaks the console protocol;
pexpect gives it the pty it needs. Arguments go as a list, never through a shell: guest names
may hold spaces, quotes or any Unicode.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import BinaryIO

import pexpect

from tuivirt.backend.live.connection import connect_uri

DETACH_BYTE = b"\x1d"  # Ctrl+]: virsh's own escape, which ends it with status 0
BANNER = re.compile(rb"Escape character is \^\] ?(\(Ctrl \+ \]\))?\r?\n")
BUSY = b"Active console session exists"
NOT_RUNNING = b"The domain is not running"
# virsh's noise on hosts without polkit; it would be the first line of every console.
POLKIT_NOISE = re.compile(rb"Authorization not available\. Check if polkit[^\n]*\n")
SETTLE_SECONDS = 0.3  # a busy console says so just after the banner: wait that long before "attached"
READ_BYTES = 4096  # per read: a flood is handed over in slices the UI can interleave with
# The output listener (terminal emulation, pure Python) holds the interpreter while it runs: after
# each call the reader sleeps this many times as long as the call took. A flooding guest then has
# at most a quarter of the interpreter, and the UI thread gets it whole meanwhile (without the pause,
# Python's GIL hand-over starved the UI for seconds); virsh and the guest wait on the full pty.
YIELD_RATIO = 3.0


class ConsoleState(StrEnum):
    ATTACHING = "attaching"
    ATTACHED = "attached"
    BUSY = "busy"  # another session holds the console
    NOT_RUNNING = "not running"
    CLOSED = "closed"  # virsh ended without being asked: the guest stopped, or the host went away
    DETACHED = "detached"  # the user detached
    FAILED = "failed"  # virsh could not start, or said something else


OutputListener = Callable[[bytes], None]
StateListener = Callable[[ConsoleState, str], None]


class ConsoleSession:
    """One `virsh console` process. Listeners run on the reader thread: hand data over only."""

    def __init__(
        self,
        uri: str,
        name: str,
        on_output: OutputListener,
        on_state: StateListener,
        size: tuple[int, int] = (24, 80),
        virsh: str = "virsh",
        uuid: str = "",
    ) -> None:
        self.uri = uri
        self.name = name
        # What virsh looks the guest up by. A name could read as an option ("--domain=other") or as
        # another guest's id ("3"): the UUID, as one "--domain=" argument, names only this guest.
        self.domain = uuid or name
        self._on_output = on_output
        self._on_state = on_state
        self._size = size
        self._virsh = virsh
        self._child: pexpect.spawn | None = None
        self._detaching = False
        self._log: BinaryIO | None = None
        self._done = threading.Event()  # set when the current child has ended and been reaped
        self.state = ConsoleState.DETACHED

    def _set_state(self, state: ConsoleState, reason: str = "") -> None:
        self.state = state
        self._on_state(state, reason)

    def start(self, force: bool = False) -> None:
        """Spawn virsh and start reading; returns at once (the state listener tells the rest)."""
        if self.running and not force:
            return
        if force:
            self.detach(timeout=1.0)
        force_flag = ["--force"] if force else []
        args = ["-c", connect_uri(self.uri), "console", *force_flag, f"--domain={self.domain}"]
        self._detaching = False
        self._set_state(ConsoleState.ATTACHING)
        try:
            child = pexpect.spawn(self._virsh, args, dimensions=self._size, timeout=None, echo=False)
        except (pexpect.ExceptionPexpect, OSError) as exc:
            self._set_state(ConsoleState.FAILED, f"cannot run virsh: {exc}")
            return
        done = threading.Event()
        self._child, self._done = child, done
        threading.Thread(
            target=self._read, args=(child, done), name=f"console {self.name}", daemon=True
        ).start()

    def send(self, data: bytes) -> None:
        child = self._child
        if child is not None and data and not self._done.is_set():
            with contextlib.suppress(OSError):
                child.send(data)

    def resize(self, rows: int, columns: int) -> None:
        self._size = (rows, columns)
        child = self._child
        if child is not None and not self._done.is_set():
            with contextlib.suppress(OSError):
                child.setwinsize(rows, columns)

    @property
    def running(self) -> bool:
        return self._child is not None and not self._done.is_set() and not self._detaching

    def detach(self, timeout: float = 3.0) -> None:
        """End virsh as a user would (Ctrl+]), kill it if it does not go, and wait for it to be reaped.

        Only the reader thread closes (and so reaps) the child: no two threads wait on one pid.
        """
        child, done = self._child, self._done
        if child is None:
            return
        self._detaching = True
        if not done.is_set():
            with contextlib.suppress(OSError):
                child.send(DETACH_BYTE)
            if not done.wait(timeout):
                with contextlib.suppress(pexpect.ExceptionPexpect, OSError):
                    child.kill(signal.SIGKILL)
                done.wait(2.0)
        self.stop_log()

    def kill(self) -> None:
        """End virsh at once without waiting (the app is quitting); the reader thread reaps it."""
        child = self._child
        if child is None or self._done.is_set():
            return
        self._detaching = True
        with contextlib.suppress(pexpect.ExceptionPexpect, OSError):
            child.kill(signal.SIGKILL)

    def start_log(self, path: Path) -> None:
        """Append everything the guest prints from now on to ``path``."""
        self.stop_log()
        self._log = path.open("ab")

    def stop_log(self) -> None:
        log, self._log = self._log, None
        if log is not None:
            log.close()

    @property
    def logging(self) -> bool:
        return self._log is not None

    def _read(self, child: pexpect.spawn, done: threading.Event) -> None:
        """Banner first (to tell attached from busy or not running), then the guest's bytes."""
        head = b""
        attached = False
        banner_at: float | None = None
        while True:
            try:
                data = child.read_nonblocking(READ_BYTES, timeout=None if attached else SETTLE_SECONDS)
            except pexpect.TIMEOUT:
                data = b""
            except (pexpect.ExceptionPexpect, OSError):
                # EOF, or pexpect failing to reap a virsh already reaped elsewhere (seen once in
                # CI): either way it is over, and the pane must hear so.
                break
            if attached:
                started = time.monotonic()
                self._output(data)
                time.sleep((time.monotonic() - started) * YIELD_RATIO)
                continue
            head = POLKIT_NOISE.sub(b"", head + data)
            if BUSY in head or NOT_RUNNING in head:
                break
            banner = BANNER.search(head)
            if banner is None:
                continue
            banner_at = banner_at or time.monotonic()
            # Quiet for a moment, or talking for a while (a guest flooding its console): attached.
            if not data or time.monotonic() - banner_at >= SETTLE_SECONDS:
                attached = True
                self._set_state(ConsoleState.ATTACHED)
                if head[banner.end() :]:
                    self._output(head[banner.end() :])
        with contextlib.suppress(pexpect.ExceptionPexpect, OSError):
            child.close(force=True)  # reaps it
        done.set()
        if self._child is not child:
            return  # a newer virsh has taken over (force, reattach): its reader reports
        self._finish(b"" if attached else head, attached)

    def _output(self, data: bytes) -> None:
        log = self._log
        if log is not None:
            log.write(data)
            log.flush()
        self._on_output(data)

    def _finish(self, head: bytes, was_attached: bool) -> None:
        if self._detaching:
            self._set_state(ConsoleState.DETACHED)
        elif BUSY in head:
            self._set_state(ConsoleState.BUSY, "another session holds the console")
        elif NOT_RUNNING in head:
            self._set_state(ConsoleState.NOT_RUNNING, "the guest is not running")
        elif was_attached:
            self._set_state(ConsoleState.CLOSED, "the console closed (guest stopped?)")
        else:
            message = head.decode(errors="replace").strip().splitlines()
            self._set_state(ConsoleState.FAILED, message[-1] if message else "virsh console ended")
