"""Take a snapshot: name (checked as typed, the problem shown beside it), description, and kind.

One guest or many (`T` on marked guests): with many, a name another guest already has is that
guest's failure in the report, not the form's.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Select

from tuivirt.backend.ops.snapshots.snapshots import SnapshotRequest, name_problem
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainLabel, PlainSelect

RUNNING_KINDS = [
    ("with memory (internal: a revert resumes it)", "memory"),
    ("disk only (overlay files; agent quiesces)", "disk"),
]
SHUT_OFF_KINDS = [
    ("internal (external if a disk is not qcow2)", "internal"),
    ("external (an overlay file per disk)", "external"),
]
BULK_KINDS = [
    ("with memory where running, else disks", "memory"),
    ("disk only (overlay files where running)", "disk"),
]


def request_for(kind: str, name: str, description: str) -> SnapshotRequest:
    return SnapshotRequest(name, description, memory=kind == "memory", external=kind == "external")


class SnapshotFormScreen(Keymapped, ModalScreen[SnapshotRequest | None]):
    """Gives back what to take, or None when cancelled."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="snapshot_form.cancel"),
        Binding("ctrl+s", "take", "Take", id="snapshot_form.take"),
    ]

    def __init__(
        self, title: str, note: str, name: str, kinds: list[tuple[str, str]], taken: set[str] | None = None
    ) -> None:
        super().__init__()
        self._title = title
        self._note = note
        self._name = name
        self._kinds = kinds
        self._taken = taken or set()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="snapshot-form"):
            yield PlainLabel(self._title, classes="dialog-title")
            yield Plain(self._note, classes="dialog-note")
            yield PlainLabel("Name")
            yield Input(self._name, id="snapshot-name")
            yield Plain("", id="snapshot-name-why", classes="host-why")
            yield PlainLabel("Description")
            yield Input("", placeholder="(optional) why, e.g. before the upgrade", id="snapshot-description")
            yield PlainLabel("Kind")
            yield PlainSelect(
                self._kinds, value=self._kinds[0][1], allow_blank=False, compact=True, id="snapshot-kind"
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Take (ctrl+s)", variant="primary", compact=True, id="take")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def on_mount(self) -> None:
        self._check()

    def _check(self) -> str:
        problem = name_problem(self.query_one("#snapshot-name", Input).value.strip(), self._taken)
        why = self.query_one("#snapshot-name-why", Plain)
        why.update(problem or "letters, digits and _ . : + -")
        why.set_class(bool(problem), "form-error")
        self.query_one("#take", Button).disabled = bool(problem)
        return problem

    @on(Input.Changed, "#snapshot-name")
    def _changed(self) -> None:
        self._check()

    @on(Input.Submitted)
    @on(Button.Pressed, "#take")
    def action_take(self) -> None:
        if self._check():
            self.notify("Fix the name first (the reason is beside it).", severity="warning")
            return
        kind = self.query_one("#snapshot-kind", Select).value
        self.dismiss(
            request_for(
                str(kind),
                self.query_one("#snapshot-name", Input).value.strip(),
                self.query_one("#snapshot-description", Input).value.strip(),
            )
        )

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
