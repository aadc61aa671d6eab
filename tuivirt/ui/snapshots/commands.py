"""Snapshots: `t` opens the guest's tree; `T` takes one snapshot of every marked guest."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.ops.lifecycle.actions import SPECS, Action
from tuivirt.backend.ops.snapshots.snapshots import SnapshotRequest, default_name
from tuivirt.ui.shared.commands import Command, Feature, GuestView, Scope, why_not
from tuivirt.ui.snapshots.screen import SnapshotsScreen
from tuivirt.ui.snapshots.snapshot_form import BULK_KINDS, SnapshotFormScreen

TAKE = SPECS[Action.SNAPSHOT]


def open_tree(view: GuestView, targets: list[GuestTarget]) -> None:
    target = targets[0]
    domain = view.domain(target.key)
    running = domain is not None and domain.state.is_active
    key = target.key  # (a revert restarts the guest: its console reattaches)
    view.app.push_screen(
        SnapshotsScreen(view.fleet, target, running),
        lambda reverted: view.guest_restarted(key) if reverted else None,
    )


def take_many(view: GuestView, targets: list[GuestTarget]) -> None:
    """One name for all (a guest that has it already fails alone, in the report)."""
    hosts = len({t.host_uri for t in targets})
    who = f"{targets[0].name} on {targets[0].host_name}" if len(targets) == 1 else f"{len(targets)} guests"
    where = f" on {hosts} hosts" if hosts > 1 else ""
    note = (
        f"The same snapshot of {who}{where}: each host's guests in turn, the hosts side by side."
        if len(targets) > 1
        else "The report says how consistent it is (t on the guest lists its snapshots)."
    )

    def chosen(request: SnapshotRequest | None) -> None:
        if request is not None:
            view.act(TAKE, targets, {t.key: request for t in targets})

    view.app.push_screen(SnapshotFormScreen(f"Snapshot {who}", note, default_name(set()), BULK_KINDS), chosen)


FEATURE = Feature(
    commands=(
        Command("guest.snapshots", "t", "Snapshots", open_tree, changes=False),
        Command(
            "guest.snapshot",
            "T",
            TAKE.label,
            take_many,
            Scope.TARGETS,
            applies=TAKE.applies_to,
            explain=why_not(TAKE),
            palette=f"virsh {TAKE.virsh}",
        ),
    )
)
