"""`N`: the virtual networks of every host and their DHCP leases."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.networks.screen import NetworksScreen
from tuivirt.ui.shared.commands import Command, Feature, GuestView, Scope


def open_screen(view: GuestView, _targets: list[GuestTarget]) -> None:
    view.app.push_screen(NetworksScreen(view.fleet), view.select_guest)


FEATURE = Feature(
    commands=(Command("main.networks", "N", "Networks", open_screen, Scope.FLEET, show=False, changes=False),)
)
