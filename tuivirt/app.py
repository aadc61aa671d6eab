"""The composition root: reads nothing, decides nothing; builds the fleet and the main screen.

Data flow (see README "How it fits together"): HostSession threads → Fleet → the main screen's
HostUpdated messages → the tables. Keys → screens → Fleet.call / Fleet.act on worker threads →
typed reply messages → the screens.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Sequence, Set
from pathlib import Path

from rich.text import Text
from textual.app import App
from textual.dom import DOMNode
from textual.notifications import SeverityLevel

from tuivirt import __version__
from tuivirt.backend.config.load import Config, config_path
from tuivirt.backend.eventlog.store import state_home
from tuivirt.backend.fleet.fleet import Fleet
from tuivirt.backend.fleet.host_list import HostList
from tuivirt.backend.live.models import HostConfig
from tuivirt.format import printable
from tuivirt.ui.console.pane import ConsolePane
from tuivirt.ui.main.filter_bar import FilterBar
from tuivirt.ui.main.palette import GuestCommands
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared import partial_lines
from tuivirt.ui.shared.keymap import Keymapped, check_keymap
from tuivirt.ui.shared.plain import install_guard, plain_lines
from tuivirt.ui.shared.widgets.domains_table import DomainsTable


def _subclasses(cls: type) -> list[type[DOMNode]]:
    found: list[type[DOMNode]] = []
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        if issubclass(sub, DOMNode):
            found.append(sub)
        found += _subclasses(sub)
    return found


def _styles_dir() -> Path:
    """styles/ at the repository top (editable install) or inside the package (wheel)."""
    package = Path(__file__).parent
    bundled = package / "styles"
    return bundled if bundled.is_dir() else package.parent / "styles"


def crash_report(text: str) -> Path | None:
    """``text`` kept in $XDG_STATE_HOME/tuivirt/crash-TIME.txt (0600); None when it cannot be."""
    path = state_home() / f"crash-{time.strftime('%Y%m%d-%H%M%S')}.txt"
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
    except OSError:
        return None
    return path


class TuivirtApp(App[None]):
    """Watches libvirt hosts; every libvirt call runs off the UI loop."""

    CSS_PATH = _styles_dir() / "tuivirt.tcss"
    TITLE = "tuivirt"
    SUB_TITLE = f"v{__version__}"
    COMMANDS = App.COMMANDS | {GuestCommands}

    def __init__(
        self,
        hosts: Sequence[HostConfig],
        *,
        refresh: float | None = None,
        readonly: bool = False,
        config: Config | None = None,
        config_file: Path | None = None,
        saved_uris: Set[str] = frozenset(),
        warnings: Sequence[str] = (),
        fleet: Fleet | None = None,
    ) -> None:
        super().__init__()
        partial_lines.install()
        install_guard()
        self.config = config or Config()
        self._warnings = list(warnings)
        self.crash_file: Path | None = None  # where the traceback of an internal error went
        # (The command line builds the fleet itself, to connect while the UI loads: cli.main.)
        host_list = HostList(hosts, config_file or config_path(), saved_uris)
        self.fleet = fleet or Fleet(host_list, refresh=refresh or self.config.refresh, readonly=readonly)
        # Keys active at once on the main screen: the screen, the tables, a console pane, the filter.
        main_keys: list[type[DOMNode]] = [MainScreen, DomainsTable, ConsolePane, FilterBar]
        others = [[cls] for cls in _subclasses(Keymapped) if cls not in main_keys]
        self.keymap_in_force, keymap_warnings = check_keymap(
            self.config.keymap, [main_keys, *others], str(self.fleet.hosts.config_file)
        )
        self._warnings += keymap_warnings

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every toast (each widget's notify lands here) as plain text: a notification names guests
        and quotes libvirt's reasons, which are not ours to parse as markup (see ui/shared/plain.py)."""
        super().notify(
            plain_lines(str(message)),
            title=plain_lines(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def _fatal_error(self) -> None:
        """A bug ends the app (Textual's way, after restoring the terminal) with one line that
        points to the traceback, kept in a file: the terminal is not flooded with locals that
        may hold guests' text. cli.main then exits 1."""
        self.bell()
        path = self.crash_file = crash_report(traceback.format_exc())
        self._exit_renderables.append(
            Text(f"tuivirt stopped on an internal error; the traceback is in {path}", style="bold red")
            if path
            else Text(f"tuivirt stopped on an internal error: {printable(traceback.format_exc(limit=-1))}")
        )
        self._close_messages_no_wait()

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.fleet, self.config, self.keymap_in_force)

    def on_mount(self) -> None:
        for warning in self._warnings:
            self.notify(warning, title="Configuration", severity="warning", timeout=10)

    def on_unmount(self) -> None:
        self.fleet.stop()

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))
