"""`#`: the tags of the marked guests (or the one under the cursor)."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.shared.commands import Command, Feature, GuestView, Scope
from tuivirt.ui.tags.tagger import GuestTagger


def edit_tags(view: GuestView, targets: list[GuestTarget]) -> None:
    view.helper(GuestTagger).edit(targets)


FEATURE = Feature(
    commands=(Command("guest.tags", "number_sign", "Tags", edit_tags, Scope.TARGETS),),
    helpers=(lambda view: GuestTagger(view.fleet),),
)
