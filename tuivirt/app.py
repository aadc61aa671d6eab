"""The tuivirt application: hosts on top, all their guests below."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Input

from tuivirt import __version__
from tuivirt.backend.models import HostConfig, HostSnapshot, HostStatus
from tuivirt.backend.session import HostSession
from tuivirt.ui.domains_table import DomainsTable
from tuivirt.ui.filter_bar import FilterBar
from tuivirt.ui.hosts_table import HostsTable
from tuivirt.ui.messages import HostUpdated


def _styles_dir() -> Path:
    """styles/ at the repository top (editable install) or inside the package (wheel)."""
    package = Path(__file__).parent
    bundled = package / "styles"
    return bundled if bundled.is_dir() else package.parent / "styles"


class TuivirtApp(App[None]):
    """Watches libvirt hosts; every libvirt call runs on a host session's thread."""

    CSS_PATH = _styles_dir() / "tuivirt.tcss"
    TITLE = "tuivirt"
    SUB_TITLE = f"v{__version__}"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("slash", "filter", "Filter", id="app.filter"),
        Binding("s", "sort(1)", "Sort", id="app.sort_next"),
        Binding("S", "reverse_sort", "Reverse", id="app.sort_reverse"),
        Binding("greater_than_sign", "sort(1)", "Sort by next column", show=False, id="app.sort_right"),
        Binding("less_than_sign", "sort(-1)", "Sort by previous column", show=False, id="app.sort_left"),
    ]

    def __init__(self, hosts: Sequence[HostConfig], *, refresh: float = 2.0, readonly: bool = False) -> None:
        super().__init__()
        self.sessions = [
            HostSession(config, self._from_session, refresh=refresh, readonly=readonly) for config in hosts
        ]
        self._down_reason: dict[str, str] = {}  # by URI, while the host is not up

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield HostsTable(id="hosts")
        yield DomainsTable(id="domains")
        yield FilterBar(id="filter")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(FilterBar).display = False
        self.query_one(DomainsTable).focus()
        for session in self.sessions:
            session.start()

    def on_unmount(self) -> None:
        for session in self.sessions:
            session.stop(timeout=0)  # daemon threads: a host stuck in a call must not delay quitting

    def _from_session(self, snapshot: HostSnapshot) -> None:
        """Runs on a session thread: hand the snapshot over, touch no widget."""
        self.post_message(HostUpdated(snapshot))

    def on_host_updated(self, message: HostUpdated) -> None:
        snapshot = message.snapshot
        self.query_one(HostsTable).show(snapshot)
        self.query_one(DomainsTable).show(snapshot)
        self._notify_if_newly_down(snapshot)

    def _notify_if_newly_down(self, snapshot: HostSnapshot) -> None:
        """One toast per loss (or new reason), not one per reconnection attempt."""
        uri = snapshot.config.uri
        if snapshot.status is HostStatus.UP:
            self._down_reason.pop(uri, None)
        elif snapshot.status is HostStatus.DOWN and self._down_reason.get(uri) != snapshot.reason:
            self._down_reason[uri] = snapshot.reason
            self.notify(
                f"{snapshot.config.name} ({snapshot.config.uri}): {snapshot.reason}",
                title="Host down",
                severity="error",
            )

    def action_filter(self) -> None:
        self.query_one(FilterBar).open()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(DomainsTable).set_filter(event.value)

    def action_sort(self, step: int) -> None:
        table = self.query_one(DomainsTable)
        keys = [c.key for c in table.columns]
        table.sort_by(keys[(keys.index(table.sort_column.key) + step) % len(keys)], table.sort_reverse)

    def action_reverse_sort(self) -> None:
        table = self.query_one(DomainsTable)
        table.sort_by(table.sort_column.key, not table.sort_reverse)
