"""The volumes of the pool chosen above, with the guests that use them (orphans marked), and what
can be done to them: create, delete, resize, upload a local file, download to a local file."""

from __future__ import annotations

import os
from functools import partial

from rich.text import Text
from textual.binding import Binding

from tuivirt.backend.fleet.fleet import Fleet
from tuivirt.backend.ops.storage import volumes
from tuivirt.backend.ops.storage.transfer import UploadRequest, check_download, download, upload
from tuivirt.backend.ops.storage.volumes import VolumeInfo, check_volume_resize
from tuivirt.format import format_bytes
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.value_form import ValueFormScreen
from tuivirt.ui.shared.host_change import ChangeDone, change
from tuivirt.ui.shared.keymap import explain_readonly, readonly_twins
from tuivirt.ui.shared.long_work import run_long
from tuivirt.ui.shared.widgets.snapshot_table import SnapshotTable
from tuivirt.ui.shared.widgets.table_layout import Column
from tuivirt.ui.storage.pools_table import PoolRow
from tuivirt.ui.storage.upload_form import UploadFormScreen
from tuivirt.ui.storage.volume_form import VolumeFormScreen, VolumeRequest

ORPHAN = "orphan"


def _used_by(volume: VolumeInfo) -> Text:
    if volume.orphan:
        return Text(ORPHAN, style="yellow")
    return Text(", ".join(volume.used_by))


VOLUME_COLUMNS: list[Column[VolumeInfo]] = [
    Column("name", "Volume", 20, lambda v: v.name, priority=0, flex=True, max_width=36),
    Column("format", "Format", 6, lambda v: v.format, priority=3),
    Column("capacity", "Size", 9, lambda v: format_bytes(v.capacity), lambda v: v.capacity, "right", 1),
    Column(
        "allocation", "On disk", 9, lambda v: format_bytes(v.allocation), lambda v: v.allocation, "right", 2
    ),
    Column("used_by", "Used by", 24, _used_by, lambda v: (not v.orphan, v.used_by), priority=0),
]


class VolumesTable(SnapshotTable[VolumeInfo]):
    BINDINGS = [
        Binding("escape", "pools", "Pools", show=False, id="volumes.pools"),
        Binding("n", "create", "New volume", id="volumes.create"),
        Binding("d,delete", "delete", "Delete", id="volumes.delete"),
        Binding("z", "resize", "Resize", show=False, id="volumes.resize"),
        Binding("u", "upload", "Upload", id="volumes.upload"),
        Binding("D", "download", "Download", id="volumes.download"),
    ]
    BINDINGS += readonly_twins(BINDINGS, {"create", "delete", "resize", "upload", "download"})

    def __init__(self, fleet: Fleet, id: str | None = None) -> None:  # noqa: A002
        super().__init__(VOLUME_COLUMNS, tie_break=lambda v: v.name, id=id)
        self._fleet = fleet
        self.pool: PoolRow | None = None  # whose volumes these are
        self.sort_by("name")

    def show(self, pool: PoolRow | None, rows: list[VolumeInfo]) -> None:
        self.pool = pool
        self.update_items({v.name: v for v in rows}, replace_keys=list(self.keys))

    def action_explain_readonly(self, what: str) -> None:
        explain_readonly(self, what)

    def selected(self) -> VolumeInfo | None:
        return self.item(self.cursor_key) if self.cursor_key else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "explain_readonly":
            return self._fleet.readonly
        if action == "pools":
            return True
        if self._fleet.readonly or self.pool is None or not self.pool.pool.active:
            return False
        if action in ("delete", "resize", "download"):
            return self.selected() is not None
        return True

    def action_pools(self) -> None:
        self.screen.focus_previous()

    def action_create(self) -> None:
        if self.pool is None:
            return
        pool = self.pool

        def chosen(request: VolumeRequest | None) -> None:
            if request is not None:
                work = partial(
                    volumes.create_volume,
                    pool_name=pool.pool.name,
                    name=request.name,
                    size=request.size,
                    fmt=request.format,
                )
                change(self, self._fleet, pool.host_uri, work, f"Create volume {request.name}")

        self.app.push_screen(VolumeFormScreen(pool.host, pool.pool, set(self.keys)), chosen)

    def action_delete(self) -> None:
        volume, pool = self.selected(), self.pool
        if volume is None or pool is None:
            return
        if volume.used_by:  # said at once; the host checks again at the moment of the delete
            self.notify(f"{volume.name} is used by {', '.join(volume.used_by)}: detach it there first.")
            return

        def chosen(yes: bool | None) -> None:
            if yes:
                work = partial(volumes.delete_volume, pool_name=pool.pool.name, name=volume.name)
                change(self, self._fleet, pool.host_uri, work, f"Delete volume {volume.name}")

        size = format_bytes(volume.allocation)
        body = f"Delete {volume.path} ({size} on disk) on {pool.host}? No guest uses it."
        self.app.push_screen(ConfirmScreen("Delete a volume?", body, "Delete"), chosen)

    def action_resize(self) -> None:
        volume, pool = self.selected(), self.pool
        if volume is None or pool is None:
            return

        def resize(size: int) -> None:
            work = partial(volumes.resize_volume, pool_name=pool.pool.name, name=volume.name, size=size)
            change(self, self._fleet, pool.host_uri, work, f"Resize volume {volume.name}")

        def chosen(text: str | None) -> None:
            size, _why = check_volume_resize(volume, text or "")
            if size is None:
                return
            if size > volume.capacity:
                resize(size)
                return
            body = (
                f"Shrink {volume.name} from {format_bytes(volume.capacity)} to {format_bytes(size)}? "
                "Whatever is stored past the new end is lost: shrink the file system inside first."
            )
            self.app.push_screen(
                ConfirmScreen("Shrink a volume?", body, "Shrink"), lambda yes: resize(size) if yes else None
            )

        note = f"{volume.name} holds {format_bytes(volume.capacity)}."
        problem = lambda text: check_volume_resize(volume, text)[1]  # noqa: E731
        self.app.push_screen(
            ValueFormScreen(f"Resize {volume.name}", note, format_bytes(volume.capacity), problem, "Resize"),
            chosen,
        )

    def action_upload(self) -> None:
        pool = self.pool
        if pool is None:
            return
        cursor = self.cursor_key or ""
        rows = {k: v for k in self.keys if (v := self.item(k))}

        def chosen(request: UploadRequest | None) -> None:
            if request is not None:
                work = lambda conn, meter: upload(conn, request, meter)  # noqa: E731
                what = f"Upload into {pool.pool.name}"
                run_long(self, self._fleet, pool.host_uri, work, what, partial(ChangeDone, pool.host_uri))

        self.app.push_screen(UploadFormScreen(pool.host, pool.pool, rows, cursor), chosen)

    def action_download(self) -> None:
        volume, pool = self.selected(), self.pool
        if volume is None or pool is None:
            return

        def chosen(path: str | None) -> None:
            if path:
                path = os.path.abspath(os.path.expanduser(path))
                work = lambda conn, meter: download(conn, pool.pool.name, volume.name, path, meter)  # noqa: E731
                what = f"Download {volume.name}"
                run_long(self, self._fleet, pool.host_uri, work, what, partial(ChangeDone, pool.host_uri))

        note = f"{volume.name} ({format_bytes(volume.allocation)} on disk) to a file on this machine."
        problem = lambda text: check_download(os.path.expanduser(text))  # noqa: E731
        default = os.path.join(os.getcwd(), volume.name)
        self.app.push_screen(
            ValueFormScreen(f"Download {volume.name}", note, default, problem, "Download"), chosen
        )
