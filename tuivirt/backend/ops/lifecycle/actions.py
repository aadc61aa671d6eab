"""Lifecycle operations on guests: what each one is, when it applies, and running it.

Every function here blocks on libvirt: callers run them on a thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import libvirt

from tuivirt.backend.live.models import ACTIVE_STATES, INACTIVE_STATES, DomainSnapshot, DomainState

ACTIVE, INACTIVE = ACTIVE_STATES, INACTIVE_STATES
AWAKE = ACTIVE - {DomainState.PMSUSPENDED}  # a guest suspended to RAM only wakes up or is destroyed
RUNNING = frozenset({DomainState.RUNNING, DomainState.BLOCKED})
ANY = frozenset(DomainState)


class Action(StrEnum):
    START = "start"
    SHUTDOWN = "shutdown"
    REBOOT = "reboot"
    FORCE_OFF = "force_off"
    PAUSE = "pause"
    RESUME = "resume"
    RESET = "reset"
    SAVE = "save"
    AUTOSTART_ON = "autostart_on"
    AUTOSTART_OFF = "autostart_off"
    DELETE = "delete"
    SNAPSHOT = "snapshot"


@dataclass(frozen=True)
class ActionSpec:
    """One operation as the user meets it."""

    action: Action
    label: str  # "Force off"
    progress: str  # shown in the row while it runs: "forcing off…"
    virsh: str  # the virsh verb it matches, for the help screen
    states: frozenset[DomainState]  # states it makes sense in
    settled: frozenset[DomainState] | None = None  # the row shows progress until one of these
    destructive: bool = False  # asks for confirmation first

    def applies_to(self, domain: DomainSnapshot) -> bool:
        if domain.state not in self.states:
            return False
        if self.action is Action.AUTOSTART_ON:
            return domain.autostart is False and domain.persistent is not False
        if self.action is Action.AUTOSTART_OFF:
            return domain.autostart is True
        if self.action is Action.DELETE:
            return domain.persistent is not False
        return True


SPECS: dict[Action, ActionSpec] = {
    spec.action: spec
    for spec in [
        ActionSpec(Action.START, "Start", "starting…", "start", INACTIVE, ACTIVE),
        ActionSpec(Action.SHUTDOWN, "Shut down", "shutting down…", "shutdown", RUNNING, INACTIVE),
        ActionSpec(Action.REBOOT, "Reboot", "rebooting…", "reboot", RUNNING),
        ActionSpec(Action.FORCE_OFF, "Force off", "forcing off…", "destroy", ACTIVE, INACTIVE, True),
        ActionSpec(Action.PAUSE, "Pause", "pausing…", "suspend", RUNNING, frozenset({DomainState.PAUSED})),
        ActionSpec(Action.RESUME, "Resume", "resuming…", "resume", frozenset({DomainState.PAUSED}), RUNNING),
        ActionSpec(Action.RESET, "Reset", "resetting…", "reset", RUNNING, destructive=True),
        ActionSpec(Action.SAVE, "Save (managed)", "saving…", "managedsave", AWAKE, INACTIVE),
        ActionSpec(Action.AUTOSTART_ON, "Autostart on", "setting autostart…", "autostart", ANY),
        ActionSpec(Action.AUTOSTART_OFF, "Autostart off", "clearing autostart…", "autostart --disable", ANY),
        ActionSpec(Action.DELETE, "Delete", "deleting…", "undefine", ANY, destructive=True),
        ActionSpec(
            Action.SNAPSHOT, "Snapshot", "snapshotting…", "snapshot-create-as", ANY - {DomainState.NOSTATE}
        ),
    ]
}

_SIMPLE: dict[Action, Callable[[libvirt.virDomain], object]] = {
    Action.START: lambda dom: dom.create(),  # restores a managed save image when there is one
    Action.SHUTDOWN: lambda dom: dom.shutdown(),
    Action.REBOOT: lambda dom: dom.reboot(0),
    Action.FORCE_OFF: lambda dom: dom.destroy(),
    Action.PAUSE: lambda dom: dom.suspend(),
    Action.RESUME: lambda dom: dom.resume(),
    Action.RESET: lambda dom: dom.reset(0),
    Action.SAVE: lambda dom: dom.managedSave(0),
    Action.AUTOSTART_ON: lambda dom: dom.setAutostart(1),
    Action.AUTOSTART_OFF: lambda dom: dom.setAutostart(0),
}


def run_action(conn: libvirt.virConnect, uuid: str, action: Action) -> None:
    """Run a one-call action on the guest ``uuid``; DELETE and SNAPSHOT need their options (the
    fleet runs them through delete.delete_guest and snapshots.create_snapshot)."""
    if action in (Action.DELETE, Action.SNAPSHOT):
        raise ValueError(f"{action} needs its options: run it through Fleet.act")
    _SIMPLE[action](conn.lookupByUUIDString(uuid))
