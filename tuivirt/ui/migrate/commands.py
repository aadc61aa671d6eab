"""`M`: migrate the marked guests (or the one under the cursor); the hosts screen's evacuation."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.migrate.migrator import GuestMigrator
from tuivirt.ui.shared.commands import Command, Feature, GuestView, Scope


def migrate(view: GuestView, targets: list[GuestTarget]) -> None:
    view.helper(GuestMigrator).migrate(targets)


def evacuate(view: GuestView, uri: str) -> None:
    """Every running guest of host ``uri`` to the others, after its plan is confirmed."""
    view.helper(GuestMigrator).evacuate(uri)


FEATURE = Feature(
    commands=(
        Command(
            "guest.migrate",
            "M",
            "Migrate",
            migrate,
            Scope.TARGETS,
            refusal="Migration",
            palette="M: virsh migrate",
        ),
    ),
    helpers=(lambda view: GuestMigrator(view.fleet, view.pending),),
)
