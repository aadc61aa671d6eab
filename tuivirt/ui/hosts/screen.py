"""`H`: the hosts of this run. Add, edit, remove, connect, disconnect; save them to the config file."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable

from tuivirt.backend.config.save import ConfigSaveError
from tuivirt.backend.fleet.fleet import Fleet
from tuivirt.backend.live.models import HostConfig, HostSnapshot
from tuivirt.format import yes_no
from tuivirt.ui.hosts.host_form import HostFormScreen
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainLabel, plain
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.hosts_table import host_state_text


class HostsScreen(Keymapped, ModalScreen[None]):
    BINDINGS = [
        Binding("a,insert", "add", "Add", id="hosts.add"),
        Binding("e", "edit", "Edit", id="hosts.edit"),  # and Enter: the list's row selection
        Binding("d,delete", "remove", "Remove", id="hosts.remove"),
        Binding("c", "connect", "Connect", id="hosts.connect"),
        Binding("x", "disconnect", "Disconnect", id="hosts.disconnect"),
        Binding("w", "save", "Save", id="hosts.save"),
        Binding("M", "evacuate", "Evacuate", id="hosts.evacuate"),
        Binding("escape,H", "close", "Close", id="hosts.close"),
    ]

    class Saved(Message):
        """The save worker is done: ``error`` says why it failed, if it did."""

        def __init__(self, error: str = "") -> None:
            super().__init__()
            self.error = error

    def __init__(self, fleet: Fleet, evacuate: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self._fleet = fleet
        self._evacuate = evacuate  # (migration's, handed in by the registry)
        self._hosts = fleet.hosts
        self._shown: tuple[object, ...] = ()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="hosts-dialog"):
            yield PlainLabel("Hosts", classes="dialog-title")
            yield DataTable(cursor_type="row", zebra_stripes=False, id="host-list")
            yield Plain("", id="hosts-file", classes="dialog-note")
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
        return [(h, self._fleet.snapshots.get(h.uri)) for h in self._hosts]

    def _fill(self) -> None:
        """Rebuild the rows when anything shown changed, keeping the cursor on its host."""
        hosts = self._hosts
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
            table.add_row(
                plain(host.name),
                plain(state),
                yes_no(host.autoconnect),
                plain(saved),
                plain(host.uri),
                key=host.uri,
            )
        if selected is not None and hosts.find(selected.uri):
            table.move_cursor(row=table.get_row_index(selected.uri))
        note = f"Config file: {hosts.config_file}"
        note += " · unsaved changes (w saves)" if hosts.unsaved_changes else ""
        self.query_one("#hosts-file", Plain).update(note)

    def selected(self) -> HostConfig | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self._hosts.find(key or "")

    def _connected(self, host: HostConfig) -> bool:
        return host.uri in self._fleet.sessions

    def action_add(self) -> None:
        def added(host: HostConfig | None) -> None:
            if host is not None:
                self._fleet.add(host)
                self.notify(f"Added {host.name}. w saves it to the config file.")
                self._fill()

        self.app.push_screen(HostFormScreen(self._hosts), added)

    @on(DataTable.RowSelected)
    def action_edit(self) -> None:
        old = self.selected()
        if old is None:
            return

        def edited(host: HostConfig | None) -> None:
            if host is not None and host != old:
                self._fleet.edit(old.uri, host)
                self._fill()

        self.app.push_screen(HostFormScreen(self._hosts, old), edited)

    def action_remove(self) -> None:
        host = self.selected()
        if host is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._fleet.remove(host.uri)
                self._fill()

        body = (
            f"Remove {host.name} ({host.uri}) from tuivirt?\n"
            "Its guests are not touched. w then removes it from the config file too."
        )
        self.app.push_screen(ConfirmScreen("Remove host?", body, "Remove"), answered)

    def action_evacuate(self) -> None:
        """Every running guest of the chosen host to the others (migration runs it)."""
        host = self.selected()
        if self._fleet.readonly or host is None or not self._connected(host) or self._evacuate is None:
            self.notify("Evacuate: choose a connected host (and not in read-only mode).", severity="warning")
            return
        self._evacuate(host.uri)

    def action_connect(self) -> None:
        host = self.selected()
        if host is not None and not self._connected(host):
            self._fleet.connect(host.uri)
            self._fill()

    def action_disconnect(self) -> None:
        host = self.selected()
        if host is not None and self._connected(host):
            self._fleet.disconnect(host.uri)
            self._fill()

    def action_save(self) -> None:
        self._save()

    @work(thread=True, exit_on_error=False, group="save-hosts")
    def _save(self) -> None:
        """On a thread: fsync may take its time on a slow disk."""
        try:
            self._hosts.save()
        except ConfigSaveError as exc:
            self.post_message(self.Saved(f"Cannot save the hosts to {self._hosts.config_file}: {exc}"))
            return
        self.post_message(self.Saved())

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        hosts = self._hosts
        if message.error:
            self.notify(message.error, severity="error", timeout=10)
            return
        count = sum(1 for h in hosts if hosts.in_file(h.uri))
        self.notify(f"Saved {count} hosts to {hosts.config_file}")
        self._fill()

    def action_close(self) -> None:
        if self._hosts.unsaved_changes:
            self.notify("The host changes are not saved: H then w saves them.", severity="warning")
        self.dismiss(None)
