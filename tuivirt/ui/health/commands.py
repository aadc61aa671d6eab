"""`O`: health overview of every host."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.health.screen import HealthScreen
from tuivirt.ui.shared.commands import Command, Feature, GuestView, Scope


def open_screen(view: GuestView, _targets: list[GuestTarget]) -> None:
    view.app.push_screen(HealthScreen(view.fleet), view.select_guest)


FEATURE = Feature(
    commands=(Command("main.health", "O", "Health", open_screen, Scope.FLEET, show=True, changes=False),)
)
