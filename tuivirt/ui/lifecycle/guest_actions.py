"""Guest actions from key to report: confirm, plan a delete, run on the fleet, report per guest.

A widget with nothing to show, so that it can run workers and receive their messages; the main
screen mounts one and hands it what the user aimed at.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from functools import partial

from textual import on
from textual.widget import Widget

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.fleet.targets import GuestResult, GuestTarget
from tuivirt.backend.ops.lifecycle.actions import SPECS, Action, ActionSpec
from tuivirt.backend.ops.lifecycle.delete import DeleteOptions, plan_delete
from tuivirt.backend.ops.snapshots.snapshots import SnapshotRequest
from tuivirt.ui.lifecycle.delete_dialog import DeleteScreen, DeleteTarget
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.messages import ActionsFinished, GuestActionReturned
from tuivirt.ui.shared.pending import PendingActions
from tuivirt.ui.shared.widgets.domains_table import DomainsTable

SETTLE_WAIT = 3.0  # seconds a report waits for the table to show what it says


class DeletePlanned(HostReply[tuple[list[GuestTarget], list[DeleteTarget]]]):
    """Each guest's disks, snapshots and NVRAM, read before the delete dialog asks."""


class GuestActions(Widget):
    DEFAULT_CSS = "GuestActions { display: none; }"

    def __init__(
        self,
        fleet: Fleet,
        pending: PendingActions,
        shutdown_timeout: float,
        shutdown_via_agent: Callable[[GuestTarget], None],
    ) -> None:
        super().__init__()
        self._fleet = fleet
        self._pending = pending
        self._shutdown_timeout = shutdown_timeout
        self._shutdown_via_agent = shutdown_via_agent  # (the agent feature's, wired by the registry)

    def on_mount(self) -> None:
        self.set_interval(1.0, self._check_shutdowns)

    @property
    def _table(self) -> DomainsTable:
        return self.screen.query_one(DomainsTable)

    def request(self, spec: ActionSpec, targets: list[GuestTarget]) -> None:
        """The user asked: ask back first where the action destroys something."""
        if spec.action is Action.DELETE:
            call_host(self, lambda: self._plan_delete(targets), DeletePlanned, group="delete-plan")
            return
        if not spec.destructive:
            self.start(spec, targets)
            return
        guests = "\n".join(f"  {t.name} on {t.host_name} ({t.host_uri})" for t in targets)
        body = f"{spec.label} (virsh {spec.virsh}) these guests?\n\n{guests}"
        if spec.action is Action.FORCE_OFF:
            body += "\n\nLike pulling the power cord: unsaved data in the guest is lost."

        def answered(yes: bool | None) -> None:
            if yes:
                self.start(spec, targets)

        self.app.push_screen(ConfirmScreen(f"{spec.label}?", body, spec.label), answered)

    def _plan_delete(self, targets: list[GuestTarget]) -> tuple[list[GuestTarget], list[DeleteTarget]]:
        """On a thread: read each guest's disks."""
        plans = []
        for t in targets:
            what = f"Delete: cannot read {t.name}"
            plan = self._fleet.call(t.host_uri, partial(plan_delete, uuid=t.uuid), what=what)
            plans.append(DeleteTarget(t.key, t.name, t.host_name, plan))
        return targets, plans

    @on(DeletePlanned)
    def _ask_delete(self, message: DeletePlanned) -> None:
        if isinstance(message.outcome, HostCallError):
            self.notify(str(message.outcome), severity="error")
            return
        targets, plans = message.outcome

        def answered(options: dict[str, DeleteOptions] | None) -> None:
            if options is not None:
                self.start(SPECS[Action.DELETE], targets, options)

        self.app.push_screen(DeleteScreen(plans), answered)

    def start(
        self,
        spec: ActionSpec,
        targets: list[GuestTarget],
        options: Mapping[str, DeleteOptions | SnapshotRequest] | None = None,
    ) -> None:
        now = time.monotonic()
        for target in targets:
            self._pending.begin(target.key, spec, now, self._shutdown_timeout)
        self._table.touch(t.key for t in targets)
        self.run_worker(
            lambda: self._run(spec, targets, options or {}), thread=True, exit_on_error=False, group="actions"
        )

    def _run(
        self,
        spec: ActionSpec,
        targets: list[GuestTarget],
        options: Mapping[str, DeleteOptions | SnapshotRequest],
    ) -> None:
        def returned(result: GuestResult) -> None:
            self.post_message(GuestActionReturned(result))

        results = self._fleet.act(spec, targets, options, returned)
        self.post_message(ActionsFinished(spec, results))

    @on(GuestActionReturned)
    def _returned(self, message: GuestActionReturned) -> None:
        self._pending.returned(message.result.target.key, ok=not message.result.error)
        self._table.touch([message.result.target.key])

    @on(ActionsFinished)
    def _report(self, message: ActionsFinished) -> None:
        self._report_when_shown(message, time.monotonic() + SETTLE_WAIT)

    def _report_when_shown(self, message: ActionsFinished, deadline: float) -> None:
        """ "done" once the table agrees (the row says running after a start), so that the next key
        meets the state the report announced; at the latest after SETTLE_WAIT (a shutdown request
        the guest takes its time over is reported as done when libvirt took it)."""
        settled = message.spec.settled
        if settled and time.monotonic() < deadline:
            keys = [r.target.key for r in message.results if not r.error]
            rows = [(key, self._table.item(key)) for key in keys]
            # The row shows the new state once it has it and its "starting…" label is gone.
            if any(
                row is not None and (row.domain.state not in settled or self._pending.label(key))
                for key, row in rows
            ):
                self.set_timer(0.05, partial(self._report_when_shown, message, deadline))
                return
        self._say(message)

    def _say(self, message: ActionsFinished) -> None:
        """One report per user action: what worked, and each failure with host and reason."""
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
        self.screen.refresh_bindings()

    def _check_shutdowns(self) -> None:
        """A guest that ignores a shutdown is offered a force off instead of a wait forever."""
        for key in self._pending.overdue_shutdowns(time.monotonic()):
            row = self._table.item(key)
            if row is None:
                self._pending.forget(key)
                continue
            self._offer_force_off(GuestTarget.of(key, row.domain, row.host_uri), row.domain.state.label)

    def _offer_force_off(self, target: GuestTarget, state: str) -> None:
        timeout = self._shutdown_timeout
        body = (
            f"{target.name} on {target.host_name} is still {state} {timeout:g} s after the shutdown "
            "request.\n"
            "The guest may ignore ACPI shutdown requests. Its guest agent, if it runs one, can shut it "
            "down from inside; or force it off (unsaved data is lost)."
        )
        choices = [
            ("agent", "a", "Shut down via agent"),
            ("force", "f", "Force off"),
            ("wait", "w", "Keep waiting"),
            ("cancel", "c", "Stop waiting"),
        ]

        def chosen(choice: str | None) -> None:
            if choice == "force":
                self.start(SPECS[Action.FORCE_OFF], [target])
            elif choice == "agent":  # and wait again for the guest to go
                self._pending.extend(target.key, time.monotonic(), self._shutdown_timeout)
                self._shutdown_via_agent(target)
            elif choice == "wait":
                self._pending.extend(target.key, time.monotonic(), self._shutdown_timeout)
            else:
                self._pending.forget(target.key)
                self._table.touch([target.key])

        self.app.push_screen(ChoiceScreen("Shutdown is taking long", body, choices), chosen)
