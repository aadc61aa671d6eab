"""`c`: the serial console of the running guest under the cursor, in the dock beside the tables."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.console.dock import ConsoleDock
from tuivirt.ui.shared.commands import Command, Feature, GuestView


def open_console(view: GuestView, targets: list[GuestTarget]) -> None:
    view.helper(ConsoleDock).open(targets[0])


def dock(detach_keys: str | None) -> ConsoleDock:
    """The dock the main screen lays out beside its tables (hidden while no console is open)."""
    return ConsoleDock(detach_keys, id="consoles")


FEATURE = Feature(
    commands=(
        Command(
            "guest.console",
            "c",
            "Console",
            open_console,
            show=True,
            applies=lambda domain: domain.state.is_active,
            refusal="The console",
            explain=lambda _view: "The console needs a running guest under the cursor.",
        ),
    )
)
