"""`n`: the new-guest form, on the host of the guest under the cursor (else the first host)."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.create.screen import CreateScreen
from tuivirt.ui.shared.commands import Command, Created, Feature, GuestView, Scope


def new_guest(view: GuestView, _targets: list[GuestTarget]) -> None:
    sessions = view.fleet.sessions
    if not sessions:
        view.notify("No host is connected: connect one in Hosts (H).", severity="warning")
        return
    cursor = view.cursor()
    uri = cursor[0].host_uri if cursor is not None else next(iter(sessions))

    def created(result: Created | None) -> None:
        if result is not None:
            view.select_when_seen(result)
            view.notify("Created; it shows in the table in a moment.")

    view.app.push_screen(CreateScreen(view.fleet, uri), created)


FEATURE = Feature(
    commands=(Command("guest.new", "n", "New", new_guest, Scope.FLEET, show=True, refusal="New guests"),)
)
