"""What a feature declares to the main screen: its commands (a key, a label, what it needs, how it
opens) and the helpers it mounts there. The registry (ui/registry.py) collects them; the main screen
builds its bindings, footer, `?`, the palette and the read-only refusals from them, and hands each
command a ``GuestView``: the main screen as a feature may see it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol, TypeVar

from textual.app import App
from textual.widget import Widget

from tuivirt.backend.fleet.fleet import Fleet
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.live.models import DomainSnapshot, HostSnapshot
from tuivirt.backend.ops.lifecycle.actions import ActionSpec
from tuivirt.ui.shared.history import History
from tuivirt.ui.shared.pending import PendingActions

W = TypeVar("W", bound=Widget)


class Scope(Enum):
    TARGETS = "the marked guests, else the one under the cursor"
    CURSOR = "the guest under the cursor"
    FLEET = "no guest: a screen of the whole fleet"


@dataclass(frozen=True)
class Created:
    """What the new-guest form gives back on success: the main screen selects the guest when a
    snapshot brings it, and opens its console if asked."""

    host_uri: str
    uuid: str
    open_console: bool


class GuestView(Protocol):
    """The main screen, as a command sees it."""

    fleet: Fleet
    readonly: bool
    pending: PendingActions
    history: History
    shutdown_timeout: float  # seconds a shutdown may take before force off is offered

    @property
    def app(self) -> App[Any]: ...

    def targets(self) -> list[GuestTarget]: ...

    def domain(self, key: str) -> DomainSnapshot | None:
        """The guest of that row as last shown (None: not in the table)."""

    def cursor(self) -> tuple[GuestTarget, DomainSnapshot] | None:
        """The guest under the cursor, when its host is connected."""

    def helper(self, kind: type[W]) -> W:
        """The feature helper of that type the main screen mounted (see ``Feature.helpers``)."""

    def act(self, spec: ActionSpec, targets: list[GuestTarget], args: dict[str, Any] | None = None) -> None:
        """Run a guest action on the fleet (no question asked), reported per guest."""

    def select_guest(self, key: object) -> None:
        """Put the cursor on that row (a fleet screen gives one back), or say it is not shown."""

    def select_when_seen(self, created: Created) -> None: ...

    def guest_restarted(self, key: str) -> None:
        """The guest started again (a snapshot's revert): its console reattaches."""

    def notify(self, message: str, *, severity: Any = "information") -> None: ...


@dataclass(frozen=True)
class Command:
    """One key of the main screen. A command that can be unavailable (``changes`` in read-only mode,
    or ``applies`` to no target) gets a hidden twin on the same key and id that says why."""

    id: str  # the binding id: the keymap moves the key by it
    keys: str
    label: str
    run: Callable[[GuestView, list[GuestTarget]], None]  # with the targets it applies to (scope)
    scope: Scope = Scope.CURSOR
    show: bool = False  # in the footer
    changes: bool = True  # read-only mode refuses it
    applies: Callable[[DomainSnapshot], bool] | None = None  # per target; None: any guest
    refusal: str = ""  # its name in "X: not available, tuivirt runs read-only" (else the label)
    explain: Callable[[GuestView], str] | None = None  # why it does nothing now (read-write)
    palette: str = ""  # the help line in Ctrl+P; empty: not in the palette

    @property
    def can_be_off(self) -> bool:
        return self.changes or self.applies is not None

    def readonly_words(self) -> str:
        return f"{self.refusal or self.label}: not available, tuivirt runs read-only (--readonly)."


def why_not(spec: ActionSpec) -> Callable[[GuestView], str]:
    """What the key says when the action applies to none of the guests aimed at."""

    def words(view: GuestView) -> str:
        targets = view.targets()
        if not targets:
            return f"{spec.label}: no guest selected."
        states = []
        for target in targets:
            domain = view.domain(target.key)
            states.append(f"{target.name} is {domain.state.label if domain else 'gone'}")
        return f"{spec.label} does not apply: {', '.join(sorted(states))}."

    return words


class ShowsFleet:
    """Mixed into a screen that shows the fleet's snapshots while it is on top (details, health):
    the main screen holds the only subscription and hands each snapshot on."""

    def fleet_shown(self, snapshot: HostSnapshot, history: History) -> None:
        raise NotImplementedError


@dataclass(frozen=True)
class Feature:
    """What a feature gives the main screen: its commands, in footer and `?` order, and the
    widgets with nothing to show that run its work and take its workers' messages."""

    commands: tuple[Command, ...] = ()
    helpers: tuple[Callable[[GuestView], Widget], ...] = ()
