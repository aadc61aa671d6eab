"""Delete guests: tick what else goes with them; with volumes ticked, type the name to confirm."""

from __future__ import annotations

from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input

from tuivirt.backend.ops.lifecycle.delete import DeleteOptions, DeletePlan
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainCheckbox, PlainLabel


@dataclass(frozen=True)
class DeleteTarget:
    key: str
    name: str
    host: str
    plan: DeletePlan


class DeleteScreen(Keymapped, ModalScreen[dict[str, DeleteOptions] | None]):
    """Returns the options per row key, or None when cancelled. Nothing is ticked at first."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="delete.cancel")]

    def __init__(self, targets: list[DeleteTarget]) -> None:
        super().__init__()
        self._targets = targets
        self._volumes = {
            f"vol-{i}-{j}": (t, disk) for i, t in enumerate(targets) for j, disk in enumerate(t.plan.disks)
        }
        self._phrase = targets[0].name if len(targets) == 1 else "delete"

    def compose(self) -> ComposeResult:
        names = ", ".join(f"{t.name} on {t.host}" for t in self._targets)
        running = [t.name for t in self._targets if t.plan.active]
        with Vertical(classes="dialog"):
            yield PlainLabel(f"Delete {names}?", classes="dialog-title")
            if running:
                yield Plain(f"Running, will be forced off first: {', '.join(running)}", classes="warning")
            with VerticalScroll(id="delete-options"):
                for widget_id, (target, disk) in self._volumes.items():
                    owner = f"{target.name}: " if len(self._targets) > 1 else ""
                    label = f"also delete volume {owner}{disk.target} {disk.source}"
                    if disk.needed_by:  # a linked clone's base: the storage screen refuses it too
                        users = ", ".join(disk.needed_by)
                        label = f"kept: {owner}{disk.target} {disk.source} is needed by {users}"
                    box = PlainCheckbox(label, id=widget_id)
                    box.disabled = bool(disk.needed_by)
                    yield box
                if snapshots := sum(t.plan.snapshots for t in self._targets):
                    # The snapshots screen's "Record" delete: the same act, in the same words.
                    label = f"also forget its {snapshots} snapshot(s) (record only)"
                    yield PlainCheckbox(label, id="snapshots")
                if any(t.plan.has_nvram for t in self._targets):
                    yield PlainCheckbox("also remove NVRAM (UEFI variables)", id="nvram")
            yield PlainLabel(f"Volumes ticked: type {self._phrase!r} to confirm", id="phrase-label")
            yield Input(placeholder=self._phrase, id="phrase")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Delete", variant="error", id="delete")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self._sync()
        self.query_one("#cancel", Button).focus()

    def _ticked_volumes(self) -> list[str]:
        return [wid for wid in self._volumes if self.query_one(f"#{wid}", Checkbox).value]

    def _ticked(self, widget_id: str) -> bool:
        found = self.query(f"#{widget_id}")
        return bool(found) and found.first(Checkbox).value

    @on(Checkbox.Changed)
    @on(Input.Changed)
    def _sync(self) -> None:
        """The typed phrase is asked for, and required, only while a volume is ticked."""
        needs_phrase = bool(self._ticked_volumes())
        self.query_one("#phrase-label").display = needs_phrase
        self.query_one("#phrase").display = needs_phrase
        typed = self.query_one("#phrase", Input).value.strip()
        self.query_one("#delete", Button).disabled = needs_phrase and typed != self._phrase

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#delete")
    @on(Input.Submitted, "#phrase")
    def _confirm(self) -> None:
        if self.query_one("#delete", Button).disabled:
            return
        ticked = [self._volumes[wid] for wid in self._ticked_volumes()]
        self.dismiss(
            {
                t.key: DeleteOptions(
                    volumes=tuple(disk for owner, disk in ticked if owner is t),
                    snapshot_metadata=self._ticked("snapshots"),
                    nvram=self._ticked("nvram"),
                )
                for t in self._targets
            }
        )
