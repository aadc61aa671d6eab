"""Textual's Footer, without the leak of Textual issue 6666.

The Footer builds its keys anew whenever the bindings change (each focus change, each screen
pushed or popped), and each key watches the footer's ``compact``. Textual drops the watchers of
removed keys only when ``compact`` changes, which it never does here: every old key stayed alive
(about 0.7 MB per ten help screens opened). This footer lets go of them before it builds new keys.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer


class AppFooter(Footer):
    def compose(self) -> ComposeResult:
        # Reactive watchers live in the observed object's "__watchers" (textual/reactive.py).
        watchers: dict[str, list[tuple[object, object]]] = getattr(self, "__watchers", {})
        for entries in watchers.values():
            entries[:] = [
                (node, callback) for node, callback in entries if not getattr(node, "_closing", False)
            ]
        yield from super().compose()
