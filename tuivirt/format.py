"""Pure text formatting shared by the tables."""

from __future__ import annotations


def format_kib(kib: int) -> str:
    """Memory the way virsh users read it: 512 MiB, 2.0 GiB, 1.5 TiB."""
    mib = kib / 1024
    if mib < 1024:
        return f"{mib:.0f} MiB"
    gib = mib / 1024
    if gib < 1024:
        return f"{gib:.1f} GiB"
    return f"{gib / 1024:.1f} TiB"


def format_bytes(value: int | None) -> str:
    """A size in bytes as format_kib shows it (below a MiB in KiB or bytes); "-" when unknown."""
    if value is None:
        return "-"
    if value < 1024:
        return f"{value} B"
    if value < 1024 * 1024:
        return f"{value // 1024} KiB"
    return format_kib(value // 1024)


def yes_no(value: bool | None) -> str:
    """A flag as a table cell: yes, no, or "-" when unknown."""
    return "-" if value is None else ("yes" if value else "no")


def format_kib_pair(used: int, total: int) -> str:
    """Used and total memory in the total's unit: '12.5/128.0 GiB'."""
    unit, scale = (
        ("TiB", 1024**3) if total >= 1024**3 else ("GiB", 1024**2) if total >= 1024**2 else ("MiB", 1024)
    )
    return f"{used / scale:.1f}/{total / scale:.1f} {unit}"


def format_rate(bytes_per_second: float | None) -> str:
    """A byte rate in four characters or fewer: 0, 950, 1.2K, 34K, 5.6M, 1.1G; '-' when unknown."""
    if bytes_per_second is None:
        return "-"
    value = float(bytes_per_second)
    for unit in ("", "K", "M", "G"):
        if value < 999.5:
            if unit and value < 9.95:
                return f"{value:.1f}{unit}"
            return f"{value:.0f}{unit}"
        value /= 1024
    return f"{value:.0f}T"


def format_pair(first: float | None, second: float | None) -> str:
    """Two rates as read/write or rx/tx: '1.2K/34K'."""
    if first is None and second is None:
        return "-"
    return f"{format_rate(first)}/{format_rate(second)}"


def format_pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


_SHORT_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n"}


def printable(text: str) -> str:
    """``text`` safe to draw: control, format and separator characters shown escaped.

    libvirt accepts a tab, a CR or U+202E (right-to-left override) in a guest's name; drawn raw they
    misalign a row, overwrite a line or reverse the text after them.
    """
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() or ch == " " else _SHORT_ESCAPES.get(ch) or _escape(ch) for ch in text
    )


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
