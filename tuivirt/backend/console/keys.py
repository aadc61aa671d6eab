"""Keys as a terminal sends them: what a key pressed in the console pane means to the guest.

Key names are Textual's ("up", "ctrl+c", "f5"), but nothing here imports Textual.
"""

from __future__ import annotations

ESC = "\x1b"

_SPECIAL = {
    "enter": "\r",
    "tab": "\t",
    "shift+tab": f"{ESC}[Z",
    "backspace": "\x7f",
    "escape": ESC,
    "up": f"{ESC}[A",
    "down": f"{ESC}[B",
    "right": f"{ESC}[C",
    "left": f"{ESC}[D",
    "home": f"{ESC}[H",
    "end": f"{ESC}[F",
    "insert": f"{ESC}[2~",
    "delete": f"{ESC}[3~",
    "pageup": f"{ESC}[5~",
    "pagedown": f"{ESC}[6~",
    "f1": f"{ESC}OP",
    "f2": f"{ESC}OQ",
    "f3": f"{ESC}OR",
    "f4": f"{ESC}OS",
    "f5": f"{ESC}[15~",
    "f6": f"{ESC}[17~",
    "f7": f"{ESC}[18~",
    "f8": f"{ESC}[19~",
    "f9": f"{ESC}[20~",
    "f10": f"{ESC}[21~",
    "f11": f"{ESC}[23~",
    "f12": f"{ESC}[24~",
    "ctrl+space": "\x00",
    "ctrl+@": "\x00",
}

# xterm's modifier parameter: 1 + shift 1 + alt 2 + ctrl 4.
_MODIFIERS = {
    "shift": 2,
    "alt": 3,
    "shift+alt": 4,
    "ctrl": 5,
    "shift+ctrl": 6,
    "alt+ctrl": 7,
    "shift+alt+ctrl": 8,
}
_CURSOR_FINAL = {"up": "A", "down": "B", "right": "C", "left": "D", "home": "H", "end": "F"}


def key_to_bytes(key: str, character: str | None) -> bytes:
    """The bytes a terminal sends for ``key``; empty when it sends none."""
    if key in _SPECIAL:
        return _SPECIAL[key].encode()
    *mods, base = key.split("+")
    modifier = _MODIFIERS.get("+".join(sorted(mods, key=["shift", "alt", "ctrl"].index)))
    if modifier and base in _CURSOR_FINAL:
        return f"{ESC}[1;{modifier}{_CURSOR_FINAL[base]}".encode()
    if mods == ["ctrl"] and len(base) == 1 and base.isalpha():
        return bytes([ord(base.lower()) - ord("a") + 1])
    if character:
        if mods == ["alt"] or (mods and mods[0] == "alt" and len(character) == 1):
            return (ESC + character).encode()
        return character.encode()
    return b""
