"""`?`: every key of the screen underneath, with what it does and its binding id (for the keymap)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual.actions import parse
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable

from tuivirt.ui.shared.keymap import Keymapped, bindings_in_force
from tuivirt.ui.shared.plain import Plain, PlainLabel, plain


@dataclass(frozen=True)
class KeyHelp:
    keys: str
    description: str
    binding_id: str
    available: bool


REMAP_NOTE = "Remap keys in $XDG_CONFIG_HOME/tuivirt/config.toml, [keys] by binding id. Esc closes."


def keys_help(nodes: Iterable[DOMNode], available: Callable[[DOMNode, str], bool]) -> list[KeyHelp]:
    """Every binding of ``nodes`` that has an id, as remapped by the keymap, keys grouped by id;
    ``available(node, action)`` tells what works now."""
    keys: dict[str, KeyHelp] = {}
    for node in nodes:
        for binding in bindings_in_force(node):
            if not binding.id or binding.action.startswith("explain"):
                continue
            shown = node.app.get_key_display(binding)
            known = keys.get(binding.id)
            if known is None:
                keys[binding.id] = KeyHelp(
                    shown, binding.description, binding.id, available(node, binding.action)
                )
            elif shown not in known.keys.split(", "):
                keys[binding.id] = replace(known, keys=f"{known.keys}, {shown}")
    return list(keys.values())


def help_for(screen: Screen[Any], title: str, note: str = "") -> HelpScreen:
    """Every key of the focused widget and its containers, ``screen`` and the app, with what works
    now (as each one's check_action says)."""
    focused = screen.app.focused
    chain = list(focused.ancestors_with_self) if focused is not None else []
    below = chain[: chain.index(screen)] if screen in chain else chain
    nodes = [*below, screen, screen.app]

    def available(node: DOMNode, action: str) -> bool:
        _namespace, name, parameters = parse(action)
        return node.check_action(name, parameters) is True

    return HelpScreen(title, keys_help(nodes, available), f"{note} {REMAP_NOTE}".strip())


class HelpScreen(Keymapped, ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    def __init__(self, title: str, keys: list[KeyHelp], note: str = "") -> None:
        super().__init__()
        self._title = title
        self._keys = keys
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="help"):
            yield PlainLabel(f"Keys: {self._title}", classes="dialog-title")
            table: DataTable[Text] = DataTable(cursor_type="row", zebra_stripes=True)
            table.add_columns("Key", "Does", "Binding id")
            for item in self._keys:
                does = item.description if item.available else f"{item.description} (not now)"
                table.add_row(plain(item.keys), plain(does), plain(item.binding_id))
            yield table
            yield Plain(
                self._note
                or "Remap keys in $XDG_CONFIG_HOME/tuivirt/config.toml, [keys] by binding id. Esc closes.",
                classes="dialog-note",
            )

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)
