"""The one boundary for text that tuivirt did not write: guest names and descriptions, what a
guest's agent says, libvirt's reasons, the event log and config files.

Such text is shown as plain text, never parsed as markup (a reason quoting ``[/var/lib/x.qcow2]``
is a Rich/Textual markup error), with control characters shown escaped (a guest host name holding
``ESC ] 0 ;`` would set the admin's terminal title). tuivirt writes no markup of its own, so:

- ``Plain`` and ``PlainLabel`` stand for Textual's ``Static`` and ``Label`` everywhere in the UI
  (tests/unit/test_plain_text.py fails on a bare ``Static(`` or ``Label(`` and the like);
- ``PlainSelect`` and ``PlainCheckbox`` stand for ``Select`` and ``Checkbox`` likewise;
- ``plain(value)`` makes a ``Text`` for table cells, option prompts and Rich tables;
- the app's ``notify`` never parses markup and escapes what it shows;
- ``install_guard()`` is the last line: no control character in any widget's text reaches the
  terminal, whatever a widget forgot (Textual's own escape sequences come from styles, not text).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from rich.color import ColorSystem
from rich.console import Console
from rich.text import Text
from textual.strip import Strip
from textual.visual import VisualType
from textual.widgets import Checkbox, Label, Select, Static

from tuivirt.format import printable


def plain_lines(text: str) -> str:
    """``text`` with control characters escaped in each line, the line breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))


def plain(value: object, style: str = "") -> Text:
    """Outside text as a Rich ``Text``: never markup, control characters (newlines too) escaped.
    A ``Text`` keeps its style (its spans too, when it holds no control character)."""
    if isinstance(value, Text):
        return value if value.plain.isprintable() else Text(printable(value.plain), style=value.style)
    return Text(printable(str(value)), style=style)


def _safe(content: VisualType) -> VisualType:
    return plain_lines(content) if isinstance(content, str) else content


class Plain(Static):
    """A ``Static`` whose text is never markup and never carries control characters."""

    def __init__(self, content: VisualType = "", **kwargs: Any) -> None:
        kwargs["markup"] = False
        super().__init__(_safe(content), **kwargs)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(_safe(content), layout=layout)


class PlainLabel(Label, Plain):
    """A ``Label`` as ``Plain`` is a ``Static``: Label's sizing and CSS name, Plain's text (Label
    hands its content and markup on to Plain, which turns markup off)."""


V = TypeVar("V")


def plain_options(options: Iterable[tuple[Any, V]]) -> list[tuple[Text, V]]:
    """A Select's (prompt, value) pairs with each prompt plain (a pool or network name)."""
    return [(prompt if isinstance(prompt, Text) else plain(prompt), value) for prompt, value in options]


class PlainSelect(Select[V]):
    """A ``Select`` whose prompts are plain text (Textual parses a str prompt as markup)."""

    def __init__(self, options: Iterable[tuple[Any, V]], **kwargs: Any) -> None:
        super().__init__(plain_options(options), **kwargs)

    def set_options(self, options: Iterable[tuple[Any, V]]) -> None:
        super().set_options(plain_options(options))


class PlainCheckbox(Checkbox):
    """A ``Checkbox`` whose label is plain text (a volume's path, a guest's name)."""

    def __init__(self, label: str = "", value: bool = False, **kwargs: Any) -> None:
        super().__init__(plain(label), value, **kwargs)


# C0 controls (strips hold no newlines), DEL and C1, and the characters that reorder or break what
# follows them (bidi marks and overrides, line and paragraph separators): each becomes U+FFFD. An
# Input shows its value raw, for editing: there the guard is what keeps them off the terminal.
_REORDERING = [0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]
_CONTROLS = {code: "\ufffd" for code in [*range(0x20), 0x7F, *range(0x80, 0xA0), *_REORDERING]}


def _guarded_render(self: Strip, console: Console) -> str:
    if self._render_cache is None:
        cleaned = [(text.translate(_CONTROLS), style) for text, style, _ in self._segments]
        system = console._color_system or ColorSystem.TRUECOLOR
        self._render_cache = "".join(
            text if style is None else Strip.render_style(style, text, color_system=system)
            for text, style in cleaned
        )
    return self._render_cache


def install_guard() -> None:
    """Strip.render, with every segment's text freed of control characters (see the module doc)."""
    Strip.render = _guarded_render  # type: ignore[method-assign]
