"""Disks: the list, and add, detach, resize, CD-ROM insert and eject on keys."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from tuivirt.backend.ops.editor.devices import remove
from tuivirt.backend.ops.editor.disks import DiskRequest, add_disk, change_media, check_resize, resize_disk
from tuivirt.backend.ops.editor.guest_config import DiskConfig
from tuivirt.format import format_bytes
from tuivirt.ui.editor.disk_form import DiskFormScreen
from tuivirt.ui.editor.section import DeviceSection, EditorData, detach_words, when
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.value_form import ValueFormScreen
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain

SOURCE_WIDTH = 28  # the tail of a longer path: its file name says the most (80 columns)


class DisksSection(Keymapped, DeviceSection):
    BINDINGS = [
        Binding("a", "add", "Add", id="editor.disks.add"),
        Binding("d,delete", "detach", "Detach", id="editor.disks.detach"),
        Binding("r", "resize", "Resize", id="editor.disks.resize"),
        Binding("i", "insert", "Insert CD", id="editor.disks.insert"),
        Binding("x", "eject", "Eject", id="editor.disks.eject"),
    ]

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", id="disk-list")
        yield Plain("", classes="device-note")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Target", "Bus", "Device", "Source", "Format", "Size", "When")

    def show(self, data: EditorData) -> None:
        super().show(data)
        rows = [
            (
                disk.target,
                disk.bus,
                disk.device,
                disk.source if len(disk.source) <= SOURCE_WIDTH else "…" + disk.source[1 - SOURCE_WIDTH :],
                disk.format or "-",
                format_bytes(disk.capacity) if disk.capacity is not None else "-",
                when(disk.now, disk.next_boot),
            )
            for disk in data.config.disks
        ]
        note = f"Changes apply {data.config.where}. A detached disk's file stays on the host."
        self.fill(rows, note if rows else "No disks: a adds one.")

    def _selected(self) -> DiskConfig | None:
        index = self.selected_index()
        return None if index is None or self.data is None else self.data.config.disks[index]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        disk = self._selected()
        if action in ("detach", "resize"):
            return disk is not None and (action == "detach" or disk.device == "disk")
        if action in ("insert", "eject"):
            return disk is not None and disk.device == "cdrom" and (action == "insert" or bool(disk.path))
        return True

    def action_add(self) -> None:
        if self.data is None:
            return
        config = self.data.config

        def chosen(request: DiskRequest | None) -> None:
            if request is not None:
                self.request(
                    f"Add disk {request.target} to {config.name}",
                    partial(add_disk, config=config, request=request),
                )

        self.app.push_screen(DiskFormScreen(config, self.data.offer), chosen)

    def action_detach(self) -> None:
        disk = self._selected()
        if disk is None or self.data is None:
            return
        config = self.data.config
        body = f"Detach {disk.device} {disk.target} ({disk.source}) from {config.name}?\n{detach_words(disk)}"

        def answered(yes: bool | None) -> None:
            if yes:
                work = partial(
                    remove, config=config, device_xml=disk.xml, what=f"disk {disk.target}", now=disk.now
                )
                self.request(f"Detach {disk.target} from {config.name}", work)

        self.app.push_screen(ConfirmScreen("Detach a disk?", body, "Detach"), answered)

    def action_resize(self) -> None:
        disk = self._selected()
        if disk is None or self.data is None:
            return
        config = self.data.config
        now = format_bytes(disk.capacity) if disk.capacity is not None else "unknown"
        note = (
            f"{disk.target} is {now} now. Running guests see a new size at once (blockresize); a "
            "shut-off guest's volume is resized. Growing is safe; grow the partition and file system "
            "inside the guest afterwards."
        )

        def problem(text: str) -> str:
            return check_resize(disk, text)[1]

        def chosen(text: str | None) -> None:
            size = check_resize(disk, text or "")[0]
            if size is None:
                return
            if disk.capacity is not None and size < disk.capacity:
                self._confirm_shrink(disk, text or "", size)
                return
            self.request(
                f"Resize {disk.target} of {config.name}",
                partial(resize_disk, config=config, disk=disk, size=size),
            )

        self.app.push_screen(ValueFormScreen(f"Resize {disk.target}", note, now, problem, "Resize"), chosen)

    def _confirm_shrink(self, disk: DiskConfig, text: str, size: int) -> None:
        """Shrinking cuts off whatever lies beyond the new end: typed twice, like a delete."""
        assert self.data is not None
        config = self.data.config
        note = (
            f"Shrinking {disk.target} from {format_bytes(disk.capacity)} to {format_bytes(size)} destroys "
            "any data past the new end (shrink the file system inside the guest first). Type the new "
            f"size again ({text}) to shrink."
        )

        def problem(typed: str) -> str:
            return "" if typed == text else f"type {text} to confirm"

        def confirmed(typed: str | None) -> None:
            if typed == text:
                work = partial(resize_disk, config=config, disk=disk, size=size)
                self.request(f"Shrink {disk.target} of {config.name}", work)

        self.app.push_screen(
            ValueFormScreen(f"Shrink {disk.target}?", note, "", problem, "Shrink"), confirmed
        )

    def action_insert(self) -> None:
        disk = self._selected()
        if disk is None or self.data is None:
            return
        config = self.data.config
        isos = sorted(f for f in self.data.offer.known_files if f.lower().endswith(".iso"))
        note = f"The ISO's path on the host; it applies {config.where}."
        if isos:
            note += "\nISOs in the host's pools:\n  " + "\n  ".join(isos[:6])

        def chosen(path: str | None) -> None:
            if path:
                work = partial(change_media, config=config, disk=disk, path=path)
                self.request(f"Insert {path} in {disk.target} of {config.name}", work)

        def problem(text: str) -> str:
            return "" if text.startswith("/") else "an absolute path on the host"

        start = disk.path or (isos[0] if isos else "")
        self.app.push_screen(
            ValueFormScreen(f"Insert a disc in {disk.target}", note, start, problem, "Insert"), chosen
        )

    def action_eject(self) -> None:
        disk = self._selected()
        if disk is None or self.data is None:
            return
        config = self.data.config
        work = partial(change_media, config=config, disk=disk, path="")
        self.request(f"Eject {disk.target} of {config.name}", work)
