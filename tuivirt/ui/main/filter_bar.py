"""The `/` filter: an input line that narrows the guests table as the user types."""

from __future__ import annotations

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input

from tuivirt.ui.shared.keymap import Keymapped


class FilterBar(Keymapped, Input):
    """Hidden until `/`; Enter keeps the filter, Escape clears it. The app listens to Changed."""

    BINDINGS = [
        Binding("escape", "clear_and_close", "Clear filter", id="filter.clear"),
        Binding("enter", "close", "Keep filter", id="filter.keep"),
    ]

    def __init__(self, id: str | None = None) -> None:  # noqa: A002 - Textual's name for it
        super().__init__(placeholder="filter by name, host or state", id=id)
        self._return_to: Widget | None = None

    def open(self) -> None:
        """Show and focus the bar; closing it gives focus back to what had it."""
        if not self.has_focus:
            self._return_to = self.screen.focused
        self.display = True
        # Focus now, not via focus()'s call_later: keys typed right after `/` are already queued.
        self.screen.set_focus(self)

    def _give_focus_back(self) -> None:
        if self._return_to is not None:
            self._return_to.focus()

    def action_close(self) -> None:
        self.display = bool(self.value)
        self._give_focus_back()

    def action_clear_and_close(self) -> None:
        self.value = ""
        self.display = False
        self._give_focus_back()
