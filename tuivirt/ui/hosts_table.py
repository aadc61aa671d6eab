"""The hosts table: one row per libvirt connection and its state."""

from __future__ import annotations

from textual.widgets import DataTable

from tuivirt.backend.models import HostSnapshot, HostStatus


def host_state_text(snapshot: HostSnapshot) -> str:
    if snapshot.status is HostStatus.DOWN:
        return f"down: {snapshot.reason}"
    return str(snapshot.status)


class HostsTable(DataTable[str]):
    """Hosts keyed by URI; a row is added the first time a host reports.

    The state comes before the URI so that a reason for "down" stays in view at 80 columns.
    """

    COLUMNS = ("Host", "State", "Guests", "URI")

    def on_mount(self) -> None:
        self.cursor_type = "row"
        for label in self.COLUMNS:
            self.add_column(label, key=label.lower())

    def show(self, snapshot: HostSnapshot) -> None:
        key = snapshot.config.uri
        guests = f"{snapshot.running}/{len(snapshot.domains)}" if snapshot.status is HostStatus.UP else "-"
        cells = (snapshot.config.name, host_state_text(snapshot), guests, snapshot.config.uri)
        if key not in self.rows:
            self.add_row(*cells, key=key)
            return
        for column, value in zip(self.COLUMNS, cells, strict=True):
            if self.get_cell(key, column.lower()) != value:
                self.update_cell(key, column.lower(), value)
