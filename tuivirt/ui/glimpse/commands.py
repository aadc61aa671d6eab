"""`V`: a look at the running guest's screen, and keys to send it."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.glimpse.screen import GuestScreenScreen
from tuivirt.ui.shared.commands import Command, Feature, GuestView


def open_screen(view: GuestView, targets: list[GuestTarget]) -> None:
    view.app.push_screen(GuestScreenScreen(view.fleet, targets[0]))


# (Read-only mode keeps the look; the screen itself refuses its keys.)
FEATURE = Feature(commands=(Command("guest.screen", "V", "Screen", open_screen, changes=False),))
