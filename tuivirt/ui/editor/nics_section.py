"""Network interfaces: the list, and add, remove, link up or down, and move to another network."""

from __future__ import annotations

from functools import partial

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable

from tuivirt.backend.ops.editor.devices import remove
from tuivirt.backend.ops.editor.guest_config import NicConfig
from tuivirt.backend.ops.editor.nics import NIC_KINDS, NicRequest, add_nic, change_source, set_link
from tuivirt.ui.editor.nic_form import NicFormScreen
from tuivirt.ui.editor.section import DeviceSection, EditorData, detach_words, when
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.value_form import ValueFormScreen
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain


class NicsSection(Keymapped, DeviceSection):
    BINDINGS = [
        Binding("a", "add", "Add", id="editor.nics.add"),
        Binding("d,delete", "remove", "Remove", id="editor.nics.remove"),
        Binding("l", "link", "Link", id="editor.nics.link"),
        Binding("m", "move", "Move", id="editor.nics.move"),
    ]

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", id="nic-list")
        yield Plain("", classes="device-note")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("MAC", "On", "Model", "Link", "When")

    def show(self, data: EditorData) -> None:
        super().show(data)
        rows = [
            (
                nic.mac,
                f"{nic.kind} {nic.source}",
                nic.model or "-",
                "up" if nic.link_up else "down",
                when(nic.now, nic.next_boot),
            )
            for nic in data.config.nics
        ]
        self.fill(
            rows, f"Changes apply {data.config.where}." if rows else "No network interfaces: a adds one."
        )

    def _selected(self) -> NicConfig | None:
        index = self.selected_index()
        return None if index is None or self.data is None else self.data.config.nics[index]

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
