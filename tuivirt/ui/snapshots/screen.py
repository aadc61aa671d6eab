"""`t`: a guest's snapshots as a tree; take one, revert to one, delete one (virsh snapshot-*)."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.live.models import HostStatus
from tuivirt.backend.ops.snapshots.snapshots import (
    DeleteMode,
    Snapshot,
    SnapshotRequest,
    SnapshotTaken,
    create_snapshot,
    default_name,
    delete_snapshot,
    list_snapshots,
    memory_snapshot_refusal,
    revert_refusal,
    revert_snapshot,
)
from tuivirt.format import printable
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.keymap import Keymapped, explain_readonly, readonly_twins
from tuivirt.ui.shared.plain import Plain, plain
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader
from tuivirt.ui.snapshots.snapshot_form import RUNNING_KINDS, SHUT_OFF_KINDS, SnapshotFormScreen

DELETE_CHOICES = [  # short labels: five buttons fit an 80-column terminal
    (DeleteMode.ALONE.name, "a", "Alone"),
    (DeleteMode.WITH_CHILDREN.name, "b", "Branch"),
    (DeleteMode.CHILDREN_ONLY.name, "o", "Children"),
    (DeleteMode.METADATA_ONLY.name, "m", "Record"),
    ("cancel", "c", "Cancel"),
]


class SnapshotsRead(HostReply[tuple[list[Snapshot], str]]):
    """The guest's snapshots, in tree order, and why it cannot have one with memory ("" if it can)."""


class SnapshotChanged(HostReply[str]):
    """A take, revert or delete came back: what was done (and how, for a take), to report."""


class SnapshotsScreen(Keymapped, Screen[bool]):
    """Dismissed with whether a revert was done (its console reattaches: the guest restarted)."""

    BINDINGS = [
        Binding("c", "create", "Take snapshot", id="snapshots.create"),
        Binding("r", "revert", "Revert", id="snapshots.revert"),
        Binding("d,delete", "delete", "Delete", id="snapshots.delete"),
        Binding("escape,t", "close", "Back", id="snapshots.close"),
    ]
    BINDINGS += readonly_twins(BINDINGS, {"create", "revert", "delete"})

    def __init__(self, fleet: Fleet, target: GuestTarget, running: bool) -> None:
        super().__init__()
        self._fleet = fleet
        self._target = target
        self._guest_running = running
        self._snapshots: list[Snapshot] = []
        self._no_memory = ""  # why a snapshot with memory cannot be taken (read with the list)
        self.reverted = False  # a revert was done: the guest's QEMU restarted from the snapshot

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Plain("reading…", id="snapshots-status")
        yield DataTable(cursor_type="row", zebra_stripes=False, id="snapshot-list")
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = f"Snapshots of {printable(self._target.name)} on {printable(self._target.host_name)}"
        table: DataTable[str | Text] = self.query_one(DataTable)
        table.add_columns("Name", "Taken", "Guest was", "Kind", "Description")
        table.focus()
        self._load()
        self.set_interval(1.0, self._follow_guest)

    def _follow_guest(self) -> None:
        """The guest's state from the host's latest snapshot (no call); gone: the screen closes."""
        host = self._fleet.snapshots.get(self._target.host_uri)
        if host is None or host.status is not HostStatus.UP:
            return
        guest = next((d for d in host.domains if d.uuid == self._target.uuid), None)
        if guest is None:
            where = f"{self._target.name} is no longer defined on {self._target.host_name}"
            self.notify(f"{where}: its snapshots went with it.", severity="error")
            self.dismiss(self.reverted)
            return
        self._guest_running = guest.state.is_active

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "explain_readonly":
            return self._fleet.readonly
        if action in ("revert", "delete"):
            return self._selected() is not None and not self._fleet.readonly
        if action == "create":
            return not self._fleet.readonly
        return True

    def action_explain_readonly(self, what: str) -> None:
        explain_readonly(self, what)

    def _none_yet(self) -> str:
        """What to say of an empty list: the key that takes one, as the keymap has it."""
        if self._fleet.readonly:
            return "No snapshots yet (read-only: none can be taken here)."
        keys = [
            key
            for key, bindings in self._bindings.key_to_bindings.items()
            if any(b.id == "snapshots.create" and b.action == "create" for b in bindings)
        ]
        return f"No snapshots yet: {keys[0] if keys else 'c'} takes one."

    # -- reading ---------------------------------------------------------------------------

    def _change(self, work: Callable[[Any], object], what: str, revert: bool = False) -> None:
        """Take, revert or delete on a worker; the list is read again once it came back."""

        def job() -> str:
            target = self._target
            result = self._fleet.call(target.host_uri, work, what=what, changes=True, guest=target.uuid)
            self.reverted = self.reverted or revert  # (a plain flag: read on the UI loop after the reply)
            if isinstance(result, SnapshotTaken):
                return f"{what}: done, {result.note}"
            return f"{what}: {result}" if isinstance(result, str) else f"{what}: done"

        call_host(self, job, SnapshotChanged, group="snapshots")

    def _load(self) -> None:
        uuid = self._target.uuid
        work = lambda conn: (list_snapshots(conn, uuid), memory_snapshot_refusal(conn, uuid))  # noqa: E731
        job = partial(
            self._fleet.call, self._target.host_uri, work, what=f"Read the snapshots of {self._target.name}"
        )
        call_host(self, job, SnapshotsRead, group="snapshots", exclusive=True)

    @on(SnapshotsRead)
    def _read(self, message: SnapshotsRead) -> None:
        status = self.query_one("#snapshots-status", Plain)
        if isinstance(message.outcome, HostCallError):
            if "not found" in message.outcome.reason.lower() or "no domain" in message.outcome.reason.lower():
                self.notify(f"{self._target.name} is gone: {message.outcome.reason}", severity="error")
                self.dismiss(self.reverted)
                return
            status.update(str(message.outcome))
            return
        self._snapshots, self._no_memory = message.outcome
        table: DataTable[str | Text] = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for s in self._snapshots:
            name = Text(
                "  " * s.depth + ("└ " if s.depth else "") + printable(s.name) + (" *" if s.current else "")
            )
            if s.current:
                name.stylize("bold")
            taken = time.strftime("%Y-%m-%d %H:%M", time.localtime(s.created))
            table.add_row(
                plain(name),
                plain(taken),
                plain(s.state.label),
                plain(s.kind),
                plain(s.description),
                key=s.name,
            )
        if self._snapshots:
            table.move_cursor(row=min(row, len(self._snapshots) - 1))
        count = len(self._snapshots)
        status.update(
            f"{count} snapshot{'s' if count != 1 else ''}; * is the current one"
            if count
            else self._none_yet()
        )
        self.refresh_bindings()

    def _selected(self) -> Snapshot | None:
        if not self._snapshots:  # (also before the table exists: the footer asks early)
            return None
        table: DataTable[str | Text] = self.query_one(DataTable)
        if not table.row_count:
            return None
        return self._snapshots[min(table.cursor_row, len(self._snapshots) - 1)]

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()

    # -- take, revert, delete --------------------------------------------------------------

    def action_create(self) -> None:
        taken = {s.name for s in self._snapshots}
        guest = self._target.name
        kinds = RUNNING_KINDS if self._guest_running else SHUT_OFF_KINDS
        note = f"{guest} on {self._target.host_name} is {'running' if self._guest_running else 'shut off'}."
        if self._guest_running and self._no_memory:  # (it once failed after ~30 s instead)
            kinds = [k for k in kinds if k[1] != "memory"]
            note += f" No snapshot {self._no_memory}."

        def chosen(request: SnapshotRequest | None) -> None:
            if request is not None:
                work = partial(create_snapshot, uuid=self._target.uuid, request=request)
                self._change(work, f"Take snapshot {request.name} of {guest}")

        form = SnapshotFormScreen(f"Take a snapshot of {guest}", note, default_name(taken), kinds, taken)
        self.app.push_screen(form, chosen)

    def action_revert(self) -> None:
        snapshot = self._selected()
        if snapshot is None:
            return
        host = self._fleet.snapshots.get(self._target.host_uri)
        version = _version(host.facts.libvirt_version) if host else 0
        refusal = revert_refusal(snapshot, version) if version else ""
        if refusal:
            self.notify(f"Revert {self._target.name} to {snapshot.name}: {refusal}", severity="error")
            return
        body = (
            f"Revert {self._target.name} on {self._target.host_name} to {snapshot.name}?\n"
            f"Everything since {time.strftime('%Y-%m-%d %H:%M', time.localtime(snapshot.created))} is lost: "
            f"disk changes{', and the memory of the running guest' if self._guest_running else ''}.\n"
            f"The guest comes back {snapshot.state.label}."
        )
        choices = [
            ("revert", "r", "Revert"),
            ("paused", "p", "Revert, keep paused"),
            ("cancel", "c", "Cancel"),
        ]

        def chosen(choice: str | None) -> None:
            if choice in ("revert", "paused"):
                work = partial(
                    revert_snapshot, uuid=self._target.uuid, name=snapshot.name, paused=choice == "paused"
                )
                self._change(work, f"Revert {self._target.name} to {snapshot.name}", revert=True)

        self.app.push_screen(ChoiceScreen("Revert to a snapshot?", body, choices), chosen)

    def action_delete(self) -> None:
        snapshot = self._selected()
        if snapshot is None:
            return
        body = (
            f"Delete snapshot {snapshot.name} of {self._target.name}?\n"
            "Alone: its children move to its parent. Branch: it and all its children. Children: its "
            "children only, it stays. Record: libvirt forgets it, the disk data stays (external ones)."
        )

        def chosen(choice: str | None) -> None:
            if choice and choice in DeleteMode.__members__:
                mode = DeleteMode[choice]
                work = partial(delete_snapshot, uuid=self._target.uuid, name=snapshot.name, mode=mode)
                what = {
                    DeleteMode.CHILDREN_ONLY: f"Delete the children of snapshot {snapshot.name}",
                    DeleteMode.WITH_CHILDREN: f"Delete snapshot {snapshot.name} and its children",
                    DeleteMode.METADATA_ONLY: f"Forget snapshot {snapshot.name}",
                }.get(mode, f"Delete snapshot {snapshot.name}")
                self._change(work, f"{what} of {self._target.name}")

        self.app.push_screen(ChoiceScreen("Delete a snapshot?", body, DELETE_CHOICES), chosen)

    def action_close(self) -> None:
        self.dismiss(self.reverted)

    @on(SnapshotChanged)
    def _changed(self, message: SnapshotChanged) -> None:
        if isinstance(message.outcome, HostCallError):
            self.notify(str(message.outcome), severity="error", timeout=10)
        else:
            self.notify(f"{message.outcome}.")
        self._load()


def _version(text: str) -> int:
    """ "9.0.0" -> 9000000, libvirt's own number."""
    parts = [int(p) for p in text.split(".")[:3] if p.isdigit()]
    parts += [0] * (3 - len(parts))
    return parts[0] * 1_000_000 + parts[1] * 1000 + parts[2]
