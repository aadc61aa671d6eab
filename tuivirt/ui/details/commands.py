"""Enter on a guest: its details, live while they are open."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.details.screen import DetailsScreen
from tuivirt.ui.shared.commands import GuestView


def open_details(view: GuestView, target: GuestTarget) -> None:
    domain = view.domain(target.key)
    if domain is None:
        return
    screen = DetailsScreen(view.fleet, target.key, domain, target.host_uri)
    view.app.push_screen(screen)
    screen.show_domain(domain, *view.history.series(target.host_uri, target.key))
