"""The guest actions' keys, a top/k9s/virsh hybrid; the README lists them, and the config file's
[keys] moves them by binding id (guest.<action>)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.ops.lifecycle.actions import SPECS, Action, ActionSpec
from tuivirt.ui.lifecycle.guest_actions import GuestActions
from tuivirt.ui.shared.commands import Command, Feature, GuestView, Scope, why_not

# (action, default keys, shown in the footer)
GUEST_KEYS: list[tuple[Action, str, bool]] = [
    (Action.START, "s", True),
    (Action.SHUTDOWN, "S", True),
    (Action.REBOOT, "r", False),
    (Action.FORCE_OFF, "F", True),
    (Action.PAUSE, "p", True),
    (Action.RESUME, "u", True),
    (Action.RESET, "R", False),
    (Action.SAVE, "m", False),
    (Action.AUTOSTART_ON, "a", False),
    (Action.AUTOSTART_OFF, "A", False),
    (Action.DELETE, "D,delete", True),
]


def action_command(spec: ActionSpec, keys: str, show: bool) -> Command:
    def run(view: GuestView, targets: list[GuestTarget]) -> None:
        view.helper(GuestActions).request(spec, targets)

    return Command(
        f"guest.{spec.action.value}",
        keys,
        spec.label,
        run,
        Scope.TARGETS,
        show=show,
        applies=spec.applies_to,
        explain=why_not(spec),
        palette=f"virsh {spec.virsh}" + (" (asks first)" if spec.destructive else ""),
    )


def feature(shutdown_via_agent: Callable[[GuestView, GuestTarget], None]) -> Feature:
    """``shutdown_via_agent``: what the force-off prompt's "Shut down via agent" does."""
    return Feature(
        commands=tuple(action_command(SPECS[action], keys, show) for action, keys, show in GUEST_KEYS),
        helpers=(
            lambda view: GuestActions(
                view.fleet, view.pending, view.shutdown_timeout, lambda t: shutdown_via_agent(view, t)
            ),
        ),
    )


def run_action(
    view: GuestView, spec: ActionSpec, targets: list[GuestTarget], options: Mapping[str, Any] | None = None
) -> None:
    """A guest action with no question asked (the question was another feature's), reported."""
    view.helper(GuestActions).start(spec, targets, options)
