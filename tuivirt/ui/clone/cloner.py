"""`C`: clone the guest under the cursor. Its disks and pools are read first (on a worker), the
form checks name and space, then the copy runs with a progress dialog and can be cancelled."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.widget import Widget

from tuivirt.backend.fleet.fleet import Fleet, HostCallError, has_own_connections
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.live.models import DomainState
from tuivirt.backend.ops.clone.clone import clone_guest, volume_allocation
from tuivirt.backend.ops.clone.clone_source import (
    CloneRequest,
    CloneSource,
    clone_refusal,
    read_clone_source,
)
from tuivirt.ui.clone.clone_form import CloneFormScreen
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.long_work import run_long

CANCEL_NOTE = "A copy under way ends first (libvirt cannot stop it midway); then what was made is removed."


class SourceRead(HostReply[CloneSource]):
    def __init__(self, target: GuestTarget, outcome: CloneSource | HostCallError) -> None:
        super().__init__(outcome)
        self.target = target


class CloneDone(HostReply[str]):
    """The clone's report, or why it failed or was cancelled."""


class GuestCloner(Widget):
    DEFAULT_CSS = "GuestCloner { display: none; }"

    def __init__(self, fleet: Fleet) -> None:
        super().__init__()
        self._fleet = fleet

    def clone(self, target: GuestTarget, state: DomainState) -> None:
        refusal = clone_refusal(state)
        if refusal:
            self.notify(f"Clone {target.name}: {refusal}.", severity="warning")
            return
        work = partial(read_clone_source, uuid=target.uuid)
        job = partial(self._fleet.call, target.host_uri, work, what=f"Read {target.name} to clone it")
        call_host(self, job, partial(SourceRead, target))

    @on(SourceRead)
    def _read(self, message: SourceRead) -> None:
        target, source = message.target, message.outcome
        if isinstance(source, HostCallError):
            self.notify(str(source), severity="error", timeout=10)
            return
        refusal = clone_refusal(source.state)
        if refusal:  # it started since the table last showed it
            self.notify(f"Clone {target.name}: {refusal}.", severity="warning")
            return

        def chosen(request: CloneRequest | None) -> None:
            if request is not None:
                self._run(target, source, request)

        self.app.push_screen(CloneFormScreen(source, target.host_name), chosen)

    def _run(self, target: GuestTarget, source: CloneSource, request: CloneRequest) -> None:
        uri, fleet = target.host_uri, self._fleet

        def peek(pool: str, name: str) -> int:
            return fleet.call(uri, partial(volume_allocation, pool=pool, name=name), what="Follow the copy")

        follow = peek if has_own_connections(uri) else None  # (the test driver copies at once)
        work = lambda conn, meter: clone_guest(conn, source, request, meter, follow)  # noqa: E731
        what = f"Clone {target.name} as {request.name}"
        run_long(self, fleet, uri, work, what, CloneDone, cancel_note=CANCEL_NOTE, guest=target.uuid)

    @on(CloneDone)
    def _done(self, message: CloneDone) -> None:
        outcome = message.outcome
        if isinstance(outcome, HostCallError):
            self.notify(str(outcome), severity="warning" if outcome.cancelled else "error", timeout=10)
        else:
            self.notify(f"{outcome}.", timeout=8)
