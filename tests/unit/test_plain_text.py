"""The plain-text boundary (tuivirt/ui/shared/plain.py) holds: a lint over the UI's source, and the parts
themselves on hostile text."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from rich.console import Console
from rich.text import Text
from textual.strip import Strip

from tuivirt.format import printable
from tuivirt.ui.shared.plain import install_guard, plain, plain_lines, plain_options

UI = [*sorted((Path(__file__).parents[2] / "tuivirt" / "ui").rglob("*.py")), Path("tuivirt/app.py")]
# Textual widgets that parse a str as markup, and the plain stand-in every module uses instead.
STAND_INS = {"Static": "Plain", "Label": "PlainLabel", "Select": "PlainSelect", "Checkbox": "PlainCheckbox"}
# Calls whose text arguments Textual parses as markup: each must be a literal or plain(...).
# (notify is not listed: every widget's notify lands in TuivirtApp.notify, which takes markup off
# and escapes; tests/app/test_replies_and_crashes.py holds it.)
TEXT_CALLS = {"Option", "Button", "add_row", "add_option", "update_cell"}


def _is_plain_text(node: ast.expr) -> bool:
    """A literal, or a call that makes a Text (plain(), Text(), our formatters returning digits)."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Starred):
        return _is_plain_text(node.value)
    if isinstance(node, ast.Call):
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        return name in {
            "plain",
            "Text",
            "Option",
            "map",
            "yes_no",
            "format_bytes",
            "format_kib",
            "format_pct",
        }
    return False


def _offences(path: Path) -> list[str]:
    if path.name == "plain.py":
        return []
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if isinstance(node.func, ast.Name) and name in STAND_INS:
            found.append(f"{path}:{node.lineno}: {name}(…) parses markup: use {STAND_INS[name]}")
        elif name in TEXT_CALLS:
            args = node.args if name != "Option" else node.args[:1]
            for arg in args:
                if not _is_plain_text(arg):
                    found.append(f"{path}:{node.lineno}: {name}(…) with text that is not plain(…)")
    return found


def test_no_ui_module_hands_textual_a_str_it_would_parse_as_markup() -> None:
    offences = [line for path in UI for line in _offences(path)]
    assert not offences, "\n".join(offences)


def test_the_lint_catches_a_bare_static_and_an_fstring_cell(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('Static(name)\ntable.add_row(f"{name}", plain(x))\nOption(label)\n')
    assert len(_offences(bad)) == 3


HOSTILE = [
    "[/x]",
    "[red]RED[/red]",
    "[@click=app.quit]",
    "\x1b]0;T\x07",
    "\x1b[2J",
    "a\rb",
    "\u202egnp",
    "\x9b",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_keeps_the_text_and_drops_every_control_character(text: str) -> None:
    shown = plain(text).plain
    assert shown.isprintable()
    assert shown == printable(text)
    assert "[" not in text or "[" in shown  # brackets are shown, not eaten as markup


def test_plain_lines_keeps_line_breaks_only() -> None:
    assert plain_lines("a\x1b[2J\nb\x07") == "a\\x1b[2J\nb\\x07"


def test_plain_options_turns_each_prompt_into_text() -> None:
    assert all(isinstance(prompt, Text) for prompt, _ in plain_options([("[/pool]", "p")]))


def test_the_guard_writes_no_control_character_of_a_widget_to_the_terminal() -> None:
    install_guard()
    rendered = Strip.render(Strip.blank(0).join([Strip.blank(0)]), Console())  # (an empty strip)
    assert rendered == ""
    from rich.segment import Segment
    from rich.style import Style

    strip = Strip([Segment("host\x1b]0;PWNED\x07\x1b[31m", Style(bold=True)), Segment("\x9b2J")])
    out = strip.render(Console())
    assert "\x07" not in out and "\x9b" not in out and "]0;" in out
    assert out.count("\x1b") == 2  # the bold style's own SGR and its reset, nothing from the text
