"""The tuivirt application: hosts on top, their guests below."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header

from tuivirt import __version__
from tuivirt.backend.models import HostConfig, HostSnapshot
from tuivirt.backend.session import HostSession
from tuivirt.ui.domains_table import DomainsTable
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
    BINDINGS = [Binding("q", "quit", "Quit", id="app.quit")]

    def __init__(self, hosts: Sequence[HostConfig], *, refresh: float = 2.0, readonly: bool = False) -> None:
        super().__init__()
        self.sessions = [
            HostSession(config, self._from_session, refresh=refresh, readonly=readonly) for config in hosts
        ]

    def compose(self) -> ComposeResult:
        yield Header(icon="")
        yield HostsTable(id="hosts")
        yield DomainsTable(id="domains")
        yield Footer()

    def on_mount(self) -> None:
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
        self.query_one(HostsTable).show(message.snapshot)
        self.query_one(DomainsTable).show(message.snapshot)
