"""The emulator bridge: bytes in, screen out; keys in, bytes out."""

import pytest

from tuivirt.backend.console.keys import key_to_bytes
from tuivirt.backend.console.terminal import SCROLLBACK_LINES, TerminalEmulator


def test_text_and_colours_reach_the_screen() -> None:
    term = TerminalEmulator(rows=5, columns=20)
    assert term.feed(b"hello\r\n\x1b[31mred\x1b[0m") == b""
    assert term.text().splitlines()[:2] == ["hello", "red"]
    cell = term.line(1)[0]
    assert (cell.data, cell.fg) == ("r", "red")
    lines, cursor, rows = term.frame(set())
    assert set(lines) >= {0, 1} and rows == 5 and cursor == (1, 3)
    assert [c.data for c in lines[1][:3]] == ["r", "e", "d"]
    lines, _cursor, _rows = term.frame(set())
    assert set(lines) == {1}  # nothing changed: only the cursor's line, to draw the cursor


def test_cursor_position_query_is_answered() -> None:
    term = TerminalEmulator(rows=5, columns=20)
    # busybox's shell asks where the cursor is (ESC [6n) and waits for the answer.
    assert term.feed(b"ab\r\ncd\x1b[6n") == b"\x1b[2;3R"
    assert term.cursor() == (1, 2)


def test_device_attributes_query_is_answered() -> None:
    assert TerminalEmulator().feed(b"\x1b[c").startswith(b"\x1b[?")


def test_utf8_split_across_reads() -> None:
    term = TerminalEmulator(rows=2, columns=10)
    data = "grüß".encode()
    term.feed(data[:3])
    term.feed(data[3:])
    assert term.text().splitlines()[0] == "grüß"


def test_scrollback_pages_and_is_bounded() -> None:
    term = TerminalEmulator(rows=10, columns=20)
    term.feed(b"".join(f"line {i}\r\n".encode() for i in range(SCROLLBACK_LINES + 500)))
    assert f"line {SCROLLBACK_LINES + 499}" in term.text()
    term.scroll(-1)
    assert term.scrolled_back
    assert f"line {SCROLLBACK_LINES + 499}" not in term.text()
    term.scroll(-100_000 // 5)  # far past the start: stops at the oldest line kept
    first = int(term.text().splitlines()[0].split()[1])
    assert first >= 500  # the oldest 500 lines were dropped: memory stays bounded
    term.scroll(100_000 // 5)
    assert not term.scrolled_back


def test_resize_changes_the_screen() -> None:
    term = TerminalEmulator(rows=5, columns=20)
    term.resize(10, 40)
    assert term.size == (10, 40)
    assert len(term.line(9)) == 40


@pytest.mark.parametrize(
    ("key", "character", "sent"),
    [
        ("a", "a", b"a"),
        ("A", "A", b"A"),
        ("ü", "ü", "ü".encode()),
        ("enter", "\r", b"\r"),
        ("backspace", "\x7f", b"\x7f"),
        ("tab", "\t", b"\t"),
        ("escape", "\x1b", b"\x1b"),
        ("ctrl+c", "\x03", b"\x03"),
        ("ctrl+d", None, b"\x04"),
        ("up", None, b"\x1b[A"),
        ("left", None, b"\x1b[D"),
        ("home", None, b"\x1b[H"),
        ("end", None, b"\x1b[F"),
        ("pageup", None, b"\x1b[5~"),
        ("pagedown", None, b"\x1b[6~"),
        ("delete", None, b"\x1b[3~"),
        ("f1", None, b"\x1bOP"),
        ("f5", None, b"\x1b[15~"),
        ("f10", None, b"\x1b[21~"),
        ("ctrl+left", None, b"\x1b[1;5D"),
        ("shift+up", None, b"\x1b[1;2A"),
        ("alt+x", "x", b"\x1bx"),
        ("shift+tab", None, b"\x1b[Z"),
    ],
)
def test_keys_become_terminal_bytes(key: str, character: str | None, sent: bytes) -> None:
    assert key_to_bytes(key, character) == sent
