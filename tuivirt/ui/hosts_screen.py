"""`H`: the hosts of this run. Add, edit, remove, connect, disconnect; save them to the config file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Static

from tuivirt.backend.models import HostConfig, HostSnapshot
from tuivirt.config_save import ConfigSaveError
from tuivirt.ui.app_footer import AppFooter
from tuivirt.ui.confirm_screen import ConfirmScreen
from tuivirt.ui.host_form_screen import HostFormScreen
from tuivirt.ui.hosts_table import host_state_text
from tuivirt.ui.keymap import Keymapped

if TYPE_CHECKING:
    from tuivirt.app import TuivirtApp


class HostsScreen(Keymapped, ModalScreen[None]):
    BINDINGS = [
        Binding("a,insert", "add", "Add", id="hosts.add"),
        Binding("e", "edit", "Edit", id="hosts.edit"),  # and Enter: the list's row selection
        Binding("d,delete", "remove", "Remove", id="hosts.remove"),
        Binding("c", "connect", "Connect", id="hosts.connect"),
        Binding("x", "disconnect", "Disconnect", id="hosts.disconnect"),
        Binding("w", "save", "Save", id="hosts.save"),
        Binding("escape,H", "close", "Close", id="hosts.close"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._shown: tuple[object, ...] = ()

    @property
    def tuivirt(self) -> TuivirtApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="hosts-dialog"):
            yield Label("Hosts", classes="dialog-title")
            yield DataTable(cursor_type="row", zebra_stripes=False, id="host-list")
            yield Static("", id="hosts-file", classes="dialog-note")
        yield AppFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Name", key="name")
        table.add_column("State", key="state")
        table.add_column("At start", key="start")
        table.add_column("Saved", key="saved")
        table.add_column("URI", key="uri")  # last: the longest, and the one to cut at 80 columns
        self._fill()
        self.set_interval(1.0, self._fill)
        table.focus()

    def _rows(self) -> list[tuple[HostConfig, HostSnapshot | None]]:
        return [(h, self.tuivirt.snapshots.get(h.uri)) for h in self.tuivirt.hosts]

    def _fill(self) -> None:
        """Rebuild the rows when anything shown changed, keeping the cursor on its host."""
        hosts = self.tuivirt.hosts
        rows = self._rows()
        shown = (
            *((h, s.status if s else None, s.reason if s else "") for h, s in rows),
            hosts.unsaved_changes,
        )
        if shown == self._shown:
            return
        self._shown = shown
        table = self.query_one(DataTable)
        selected = self.selected()
        table.clear()
        for host, snapshot in rows:
            state = host_state_text(snapshot) if snapshot else Text("not connected", style="dim")
            state.truncate(30, overflow="ellipsis")
            saved = "file" if hosts.in_file(host.uri) else "this run"
            start = "yes" if host.autoconnect else "no"
            table.add_row(host.name, state, start, saved, host.uri, key=host.uri)
        if selected is not None and hosts.find(selected.uri):
            table.move_cursor(row=table.get_row_index(selected.uri))
        note = f"Config file: {hosts.config_file}"
        note += " · unsaved changes (w saves)" if hosts.unsaved_changes else ""
        self.query_one("#hosts-file", Static).update(note)

    def selected(self) -> HostConfig | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.tuivirt.hosts.find(key or "")

    def _connected(self, host: HostConfig) -> bool:
        return host.uri in self.tuivirt.sessions

    def action_add(self) -> None:
        def added(host: HostConfig | None) -> None:
            if host is not None:
                self.tuivirt.add_host(host)
                self.notify(f"Added {host.name}. w saves it to the config file.")
                self._fill()

        self.app.push_screen(HostFormScreen(self.tuivirt.hosts), added)

    @on(DataTable.RowSelected)
    def action_edit(self) -> None:
        old = self.selected()
        if old is None:
            return

        def edited(host: HostConfig | None) -> None:
            if host is not None and host != old:
                self.tuivirt.edit_host(old.uri, host)
                self._fill()

        self.app.push_screen(HostFormScreen(self.tuivirt.hosts, old), edited)

    def action_remove(self) -> None:
        host = self.selected()
        if host is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.tuivirt.remove_host(host.uri)
                self._fill()

        body = (
            f"Remove {host.name} ({host.uri}) from tuivirt?\n"
            "Its guests are not touched. w then removes it from the config file too."
        )
        self.app.push_screen(ConfirmScreen("Remove host?", body, "Remove"), answered)

    def action_connect(self) -> None:
        host = self.selected()
        if host is not None and not self._connected(host):
            self.tuivirt.connect_host(host.uri)
            self._fill()

    def action_disconnect(self) -> None:
        host = self.selected()
        if host is not None and self._connected(host):
            self.tuivirt.disconnect_host(host.uri)
            self._fill()

    @work(thread=True, exit_on_error=False, group="save-hosts")
    def action_save(self) -> None:
        """On a thread: fsync may take its time on a slow disk."""
        hosts = self.tuivirt.hosts
        try:
            hosts.save()
        except ConfigSaveError as exc:
            message = f"Cannot save the hosts to {hosts.config_file}: {exc}"
            self.app.call_from_thread(self.notify, message, severity="error", timeout=10)
            return
        count = sum(1 for h in hosts if hosts.in_file(h.uri))
        self.app.call_from_thread(self.notify, f"Saved {count} hosts to {hosts.config_file}")
        self.app.call_from_thread(self._fill)

    def action_close(self) -> None:
        if self.tuivirt.hosts.unsaved_changes:
            self.notify("The host changes are not saved: H then w saves them.", severity="warning")
        self.dismiss(None)
