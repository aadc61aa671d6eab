"""Network interfaces: the list, and add, remove, link up or down, and move to another network."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from tuivirt.backend.ops.edit.devices import remove
from tuivirt.backend.ops.edit.guest_config import NicConfig
from tuivirt.backend.ops.edit.nics import NIC_KINDS, NicRequest, add_nic, change_source, set_link
from tuivirt.ui.dialogs.confirm import ConfirmScreen
from tuivirt.ui.dialogs.nic_form import NicFormScreen
from tuivirt.ui.dialogs.value_form import ValueFormScreen
from tuivirt.ui.editor.section import EditorData, Section, detach_words, when
from tuivirt.ui.keymap import Keymapped


class NicsSection(Keymapped, Section):
    BINDINGS = [
        Binding("a", "add", "Add", id="editor.nics.add"),
        Binding("d,delete", "remove", "Remove", id="editor.nics.remove"),
        Binding("l", "link", "Link", id="editor.nics.link"),
        Binding("m", "move", "Move", id="editor.nics.move"),
    ]

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", id="nic-list")
        yield Static("", id="nics-note")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("MAC", "On", "Model", "Link", "When")

    def show(self, data: EditorData) -> None:
        super().show(data)
        table: DataTable[str] = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for nic in data.config.nics:
            table.add_row(
                nic.mac,
                f"{nic.kind} {nic.source}",
                nic.model or "-",
                "up" if nic.link_up else "down",
                when(nic.now, nic.next_boot),
            )
        if data.config.nics:
            table.move_cursor(row=min(row, len(data.config.nics) - 1))
        self.query_one("#nics-note", Static).update(
            f"Changes apply {data.config.where}."
            if data.config.nics
            else "No network interfaces: a adds one."
        )

    def _selected(self) -> NicConfig | None:
        if self.data is None or not self.data.config.nics:
            return None
        table: DataTable[str] = self.query_one(DataTable)
        return self.data.config.nics[min(table.cursor_row, len(self.data.config.nics) - 1)]

    @on(DataTable.RowHighlighted)
    def _moved(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("remove", "link", "move"):
            return self._selected() is not None
        return True

    def action_add(self) -> None:
        if self.data is None:
            return
        config = self.data.config

        def chosen(request: NicRequest | None) -> None:
            if request is not None:
                work = partial(add_nic, config=config, request=request)
                self.request(f"Add an interface to {config.name}", work)

        self.app.push_screen(NicFormScreen(config, self.data.offer, self.data.macs), chosen)

    def action_remove(self) -> None:
        nic = self._selected()
        if nic is None or self.data is None:
            return
        config = self.data.config
        body = (
            f"Remove interface {nic.mac} ({nic.kind} {nic.source}) from {config.name}?\n{detach_words(nic)}"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                work = partial(
                    remove, config=config, device_xml=nic.xml, what=f"interface {nic.mac}", now=nic.now
                )
                self.request(f"Remove {nic.mac} from {config.name}", work)

        self.app.push_screen(ConfirmScreen("Remove an interface?", body, "Remove"), answered)

    def action_link(self) -> None:
        nic = self._selected()
        if nic is None or self.data is None:
            return
        config = self.data.config
        work = partial(set_link, config=config, nic=nic, up=not nic.link_up)
        self.request(f"Link {'down' if nic.link_up else 'up'} on {nic.mac} of {config.name}", work)

    def action_move(self) -> None:
        nic = self._selected()
        if nic is None or self.data is None:
            return
        config, networks = self.data.config, self.data.offer.networks
        note = (
            "'network NAME' or 'bridge NAME'. Networks on this host: " + (", ".join(networks) or "none") + "."
        )

        def problem(text: str) -> str:
            kind, _, name = text.partition(" ")
            if kind not in NIC_KINDS or not name.strip():
                return "network NAME or bridge NAME"
            if kind == "network" and name.strip() not in networks:
                return f"no network {name.strip()} on this host"
            return ""

        def chosen(text: str | None) -> None:
            if text:
                kind, _, name = text.partition(" ")
                work = partial(change_source, config=config, nic=nic, kind=kind, source=name.strip())
                self.request(f"Move {nic.mac} of {config.name}", work)

        start = f"{nic.kind} {nic.source}"
        self.app.push_screen(ValueFormScreen(f"Move {nic.mac}", note, start, problem, "Move"), chosen)
