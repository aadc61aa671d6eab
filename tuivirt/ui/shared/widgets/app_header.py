"""Textual's Header, without keeping every header ever shown alive.

Each Header watches the *app's* ``title`` and ``sub_title`` (textual/widgets/_header.py). Textual
drops the watchers of closed widgets only when the watched value changes, and the app's title never
does: every full screen opened and closed left its header (and, through it, its screen's styles)
in the app's watcher lists, about 3 MB per 30 `V` opened. This header takes itself out when it goes.
"""

from __future__ import annotations

from textual.widgets import Header


class AppHeader(Header):
    def __init__(self) -> None:
        super().__init__(icon="")

    def on_unmount(self) -> None:
        # Reactive watchers live in the observed object's "__watchers" (textual/reactive.py).
        watchers: dict[str, list[tuple[object, object]]] = getattr(self.app, "__watchers", {})
        for name in ("title", "sub_title"):
            entries = watchers.get(name, [])
            entries[:] = [(node, callback) for node, callback in entries if node is not self]
