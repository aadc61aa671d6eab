"""A look at a guest's screen without a viewer: libvirt's screenshot (a stream), keys sent to the
guest (``sendKey``, Linux key codes), and where its VNC or SPICE display listens."""

from __future__ import annotations

import contextlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

import libvirt

HOLD_MS = 30  # how long each key is held down

# Linux input key codes (linux/input-event-codes.h) for what `type` can send.
_LETTERS = (
    dict(zip("qwertyuiop", range(16, 26), strict=True))
    | dict(zip("asdfghjkl", range(30, 39), strict=True))
    | dict(zip("zxcvbnm", range(44, 51), strict=True))
)
_DIGITS = dict(zip("1234567890", range(2, 12), strict=True))
_PLAIN = {
    " ": 57,
    "-": 12,
    "=": 13,
    "[": 26,
    "]": 27,
    ";": 39,
    "'": 40,
    "`": 41,
    "\\": 43,
    ",": 51,
    ".": 52,
    "/": 53,
    "\n": 28,
    "\t": 15,
}
_SHIFTED = dict(zip("!@#$%^&*()", range(2, 12), strict=True)) | {
    "_": 12,
    "+": 13,
    "{": 26,
    "}": 27,
    ":": 39,
    '"': 40,
    "~": 41,
    "|": 43,
    "<": 51,
    ">": 52,
    "?": 53,
}
SHIFT = 42
_NAMED = {
    "ctrl": 29,
    "alt": 56,
    "shift": SHIFT,
    "super": 125,
    "esc": 1,
    "enter": 28,
    "tab": 15,
    "backspace": 14,
    "space": 57,
    "sysrq": 99,
    "insert": 110,
    "del": 111,
    "delete": 111,
    "home": 102,
    "end": 107,
    "pageup": 104,
    "pagedown": 109,
    "up": 103,
    "down": 108,
    "left": 105,
    "right": 106,
    "f11": 87,
    "f12": 88,
} | {f"f{n}": 58 + n for n in range(1, 11)}


def combo_keys(combo: str) -> list[int]:
    """The keys held together for a combination written as ``ctrl+alt+f3``, ``esc`` or ``alt+sysrq+b``
    (names as in virsh send-key without KEY_, case ignored); ValueError names a part it does not know."""
    keys = []
    for part in combo.strip().lower().split("+"):
        code = _NAMED.get(part) or _LETTERS.get(part) or _DIGITS.get(part)
        if code is None:
            raise ValueError(
                f"{part or '(nothing)'!r} is not a key: try ctrl, alt, shift, esc, f1…f12, del, a letter"
            )
        keys.append(code)
    return keys


def keys_for(text: str) -> list[list[int]]:
    """The key presses (each a chord) that type ``text``; ValueError names a character it cannot."""
    presses = []
    for char in text:
        lower = char.lower()
        if lower in _LETTERS:
            presses.append([SHIFT, _LETTERS[lower]] if char.isupper() else [_LETTERS[lower]])
        elif char in _DIGITS:
            presses.append([_DIGITS[char]])
        elif char in _PLAIN:
            presses.append([_PLAIN[char]])
        elif char in _SHIFTED:
            presses.append([SHIFT, _SHIFTED[char]])
        else:
            raise ValueError(f"{char!r} cannot be typed through the guest's keyboard")
    return presses


@dataclass(frozen=True)
class Display:
    kind: str  # vnc, spice
    listen: str
    port: int

    def tunnel(self, host_uri: str) -> str:
        """The ssh command that brings the display here, for a real viewer."""
        host = urlsplit(host_uri).hostname
        user = urlsplit(host_uri).username
        target = f"{user}@{host}" if user and host else host
        listen = "127.0.0.1" if self.listen in ("", "0.0.0.0", "::") else self.listen
        if not target:
            return f"{self.kind} on this machine: {listen}:{self.port}"
        forward = f"ssh -N -L {self.port}:{listen}:{self.port} {target}"
        viewer = (
            f"vncviewer localhost:{self.port}"
            if self.kind == "vnc"
            else f"remote-viewer spice://localhost:{self.port}"
        )
        return f"{forward}   then {viewer}"


def has_video(dom: libvirt.virDomain) -> bool:
    models = [m.get("type") for m in ET.fromstring(dom.XMLDesc(0)).iterfind("devices/video/model")]
    return any(model and model != "none" for model in models)


def displays(dom: libvirt.virDomain) -> list[Display]:
    found = []
    for graphics in ET.fromstring(dom.XMLDesc(0)).iterfind("devices/graphics"):
        port = int(graphics.get("port", "-1") or -1)
        if graphics.get("type") in ("vnc", "spice") and port > 0:
            found.append(Display(str(graphics.get("type")), graphics.get("listen", ""), port))
    return found


def screenshot(conn: libvirt.virConnect, uuid: str) -> bytes:
    """The guest's first screen as an image file (PNG, or PPM from older QEMU)."""
    dom = conn.lookupByUUIDString(uuid)
    if not has_video(dom):
        raise ValueError("the guest has no video device: nothing to look at (its serial console: c)")
    stream = conn.newStream(0)
    chunks: list[bytes] = []
    try:
        dom.screenshot(stream, 0, 0)
        stream.recvAll(lambda _stream, data, sink: sink.append(data), chunks)
        stream.finish()
    except libvirt.libvirtError:
        with contextlib.suppress(libvirt.libvirtError):  # already torn down with the failure
            stream.abort()
        raise
    return b"".join(chunks)


def screenshot_and_displays(conn: libvirt.virConnect, uuid: str) -> tuple[bytes, list[Display]]:
    return screenshot(conn, uuid), displays(conn.lookupByUUIDString(uuid))


def send_presses(conn: libvirt.virConnect, uuid: str, presses: list[list[int]]) -> None:
    dom = conn.lookupByUUIDString(uuid)
    for chord in presses:
        dom.sendKey(libvirt.VIR_KEYCODE_SET_LINUX, HOLD_MS, chord, len(chord), 0)
