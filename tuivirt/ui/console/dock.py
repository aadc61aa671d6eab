"""The consoles beside the tables: one pane per guest, one shown at a time.

The dock opens panes, reattaches them when their guest runs again, and handles their intents;
the screen handles only what concerns it (full screen, back to the tables).
"""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.containers import Vertical

from tuivirt.backend.console.virsh import ConsoleState
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.console.pane import ConsolePane
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.prompt import PromptScreen
from tuivirt.ui.shared.messages import BackToTables, PanelFullScreen


class ConsoleDock(Vertical):
    """Hidden while no console is open."""

    def __init__(self, detach_keys: str | None, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._detach_keys = detach_keys  # as remapped in the config file and checked at start

    @property
    def panes(self) -> list[ConsolePane]:
        return list(self.query_children(ConsolePane))

    def pane_for(self, key: str) -> ConsolePane | None:
        return next((p for p in self.panes if p.key == key), None)

    def open(self, target: GuestTarget) -> None:
        """Show the guest's console, attaching a new pane if it has none."""
        pane = self.pane_for(target.key)
        if pane is None:
            pane = ConsolePane(
                target.key, target.host_uri, target.name, target.host_name, self._detach_keys, target.uuid
            )
            self.mount(pane)
        self.show(pane)

    def show(self, pane: ConsolePane) -> None:
        for other in self.panes:
            other.display = other is pane
        self.display = True
        pane.focus()

    def reattach(self, active_by_key: dict[str, bool]) -> None:
        """Panes whose guest stopped reattach by themselves once it runs again: once the table has
        seen it stopped, then running (a poll taken just before the stop still says running)."""
        waiting = (ConsoleState.CLOSED, ConsoleState.NOT_RUNNING)
        for pane in self.panes:
            active = active_by_key.get(pane.key)
            if active is False:
                pane.guest_seen_stopped = True  # until the pane attaches again
            elif active and pane.guest_seen_stopped and pane.state in waiting:
                pane.attach()

    def guest_restarted(self, key: str) -> None:
        """The guest's QEMU restarted without the table seeing it stopped (a snapshot revert): its
        pane reattaches once the guest runs, as after a start."""
        for pane in self.panes:
            if pane.key == key:
                pane.guest_seen_stopped = True

    @on(ConsolePane.FullScreen)
    def _full_screen(self, message: ConsolePane.FullScreen) -> None:
        message.stop()
        self.post_message(PanelFullScreen())

    @on(ConsolePane.Leave)
    def _leave(self, message: ConsolePane.Leave) -> None:
        message.stop()
        self.post_message(BackToTables())

    @on(ConsolePane.Switch)
    def _switch(self, message: ConsolePane.Switch) -> None:
        panes = self.panes
        self.show(panes[(panes.index(message.pane) + message.step) % len(panes)])

    @on(ConsolePane.Detach)
    async def _close_pane(self, message: ConsolePane.Detach) -> None:
        """End virsh (on the pane's thread) and remove the pane; show the next one, if any is left."""
        pane = message.pane
        pane.close_session()
        panes = self.panes
        index = panes.index(pane)
        await pane.remove()
        rest = self.panes
        if not rest:
            self.display = False
            self.post_message(BackToTables())  # the last console closed
            return
        self.show(rest[min(index, len(rest) - 1)])

    @on(ConsolePane.ToggleLog)
    def _toggle_log(self, message: ConsolePane.ToggleLog) -> None:
        pane = message.pane
        if pane.session.logging:
            pane.session.stop_log()
            self.notify(f"Stopped logging the console of {pane.guest}.")
            pane.refresh()
            return

        def chosen(path: str | None) -> None:
            if not path:
                return
            try:
                pane.session.start_log(Path(path).expanduser())
            except OSError as exc:
                self.notify(f"Cannot log to {path}: {exc.strerror or exc}", severity="error")
                return
            self.notify(f"Logging the console of {pane.guest} to {path}")
            pane.refresh()
            pane.focus()

        note = "Everything the guest prints from now on is appended to this file. F2 again stops."
        suggestion = str(pane.log_path_suggestion())
        self.app.push_screen(PromptScreen("Log console to file", note, suggestion), chosen)

    @on(ConsolePane.Force)
    def _ask_force(self, message: ConsolePane.Force) -> None:
        pane = message.pane

        def answered(yes: bool | None) -> None:
            if yes:
                pane.attach(force=True)
            pane.focus()

        body = (
            f"Another session holds the console of {pane.guest} on {pane.host}.\n"
            "Take it over (virsh console --force)? That session is disconnected."
        )
        self.app.push_screen(ConfirmScreen("Take over the console?", body, "Take over"), answered)
