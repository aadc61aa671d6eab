"""`P`: the pools of every host and their volumes."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.shared.commands import Command, Feature, GuestView, Scope
from tuivirt.ui.storage.screen import StorageScreen


def open_screen(view: GuestView, _targets: list[GuestTarget]) -> None:
    view.app.push_screen(StorageScreen(view.fleet), view.select_guest)


FEATURE = Feature(
    commands=(
        Command(
            "main.storage",
            "P",
            "Storage",
            open_screen,
            Scope.FLEET,
            show=False,
            changes=False,
            palette="P: pools and volumes",
        ),
    )
)
