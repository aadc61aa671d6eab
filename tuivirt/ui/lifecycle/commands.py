"""The guest actions' default keys, a top/k9s/virsh hybrid; the README lists them, and the config
file's [keys] moves them by binding id (guest.<action>)."""

from __future__ import annotations

from tuivirt.backend.ops.lifecycle.actions import Action

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
    (Action.SNAPSHOT, "T", False),
]
