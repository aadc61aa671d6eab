"""`C`: clone the shut-off guest under the cursor."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.ops.clone.clone_source import clone_refusal
from tuivirt.ui.clone.cloner import GuestCloner
from tuivirt.ui.shared.commands import Command, Feature, GuestView


def clone(view: GuestView, targets: list[GuestTarget]) -> None:
    domain = view.domain(targets[0].key)
    if domain is not None:
        view.helper(GuestCloner).clone(targets[0], domain.state)


def why_not(view: GuestView) -> str:
    cursor = view.cursor()
    if cursor is None:
        return "Clone: no guest under the cursor, or its host is not connected."
    return f"Clone {cursor[0].name}: {clone_refusal(cursor[1].state)}."


FEATURE = Feature(
    commands=(
        Command(
            "guest.clone",
            "C",
            "Clone",
            clone,
            applies=lambda domain: not clone_refusal(domain.state),
            explain=why_not,
            palette="C: virt-clone",
        ),
    ),
    helpers=(lambda view: GuestCloner(view.fleet),),
)
