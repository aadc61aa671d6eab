"""`L`: every host's events and tuivirt's own actions (Enter goes to the guest)."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.eventlog.screen import EventLogScreen
from tuivirt.ui.shared.commands import Command, Feature, GuestView, Scope


def open_screen(view: GuestView, _targets: list[GuestTarget]) -> None:
    view.app.push_screen(EventLogScreen(view.fleet), view.select_guest)


FEATURE = Feature(
    commands=(Command("main.log", "L", "Event log", open_screen, Scope.FLEET, show=False, changes=False),)
)
