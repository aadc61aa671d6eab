"""The consoles beside the tables: one pane per guest, one shown at a time."""

from __future__ import annotations

from textual.containers import Vertical

from tuivirt.ui.console_pane import ConsolePane


class ConsoleDock(Vertical):
    """Hidden while no console is open."""

    @property
    def panes(self) -> list[ConsolePane]:
        return list(self.query_children(ConsolePane))

    def pane_for(self, key: str) -> ConsolePane | None:
        return next((p for p in self.panes if p.key == key), None)

    def show(self, pane: ConsolePane) -> None:
        for other in self.panes:
            other.display = other is pane
        self.display = True
        pane.focus()

    def step(self, pane: ConsolePane, step: int) -> None:
        """Show the next (or previous) console after ``pane``."""
        panes = self.panes
        self.show(panes[(panes.index(pane) + step) % len(panes)])

    async def close(self, pane: ConsolePane) -> ConsolePane | None:
        """Remove ``pane``; the console shown next, if any is left."""
        panes = self.panes
        index = panes.index(pane)
        await pane.remove()
        rest = self.panes
        if not rest:
            self.display = False
            return None
        following = rest[min(index, len(rest) - 1)]
        self.show(following)
        return following
