"""`H`: the hosts: add, edit, remove, connect, save, evacuate."""

from __future__ import annotations

from collections.abc import Callable

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.hosts.screen import HostsScreen
from tuivirt.ui.shared.commands import Command, Feature, GuestView, Scope


def feature(evacuate: Callable[[GuestView, str], None]) -> Feature:
    """``evacuate``: what `M` on a host does (migration's, wired by the registry)."""

    def open_hosts(view: GuestView, _targets: list[GuestTarget]) -> None:
        view.app.push_screen(HostsScreen(view.fleet, lambda uri: evacuate(view, uri)), view.select_guest)

    return Feature(
        commands=(Command("main.hosts", "H", "Hosts", open_hosts, Scope.FLEET, show=True, changes=False),)
    )
