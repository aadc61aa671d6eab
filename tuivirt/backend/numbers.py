"""Every number an admin types, parsed exactly and bounded: no float, so no overflow and no
``inf`` (400 nines once ended the app), and a value out of range is a reason, not a traceback.

Each parser returns the value, or a ``Refused`` with the words to show beside the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

KIB, MIB, GIB, TIB = 1024, 1024**2, 1024**3, 1024**4
UNITS = {"": 1, "K": KIB, "M": MIB, "G": GIB, "T": TIB, "P": 1024**5}
MAX_SIZE = 1024**5  # 1 PiB: more than any disk or host memory libvirt will be given
# ASCII digits only: str.isdigit() accepts "²", which int() refuses. The digit counts bound the work.
_SIZE = re.compile(r"^\s*([0-9]{1,19})(?:\.([0-9]{1,9}))?\s*([KMGTP]?)(?:i?B)?\s*$", re.IGNORECASE)
_COUNT = re.compile(r"^\s*([0-9]{1,19})\s*$")


@dataclass(frozen=True)
class Refused:
    """Why the text is not a value the field takes."""

    reason: str

    def __str__(self) -> str:
        return self.reason


def size_bytes(
    text: str, default_unit: str = "M", minimum: int = 1, maximum: int = MAX_SIZE
) -> int | Refused:
    """'10G', '512M', '1.5 TiB', '2048' (in ``default_unit``) as bytes, between the bounds."""
    match = _SIZE.match(text)
    if not match:
        return Refused("a size such as 512M, 10G or 1.5T")
    whole, fraction, unit = match.group(1), match.group(2) or "0", match.group(3).upper() or default_unit
    value = int(Decimal(f"{whole}.{fraction}") * UNITS[unit])
    if value > maximum:
        return Refused(f"at most {_size_words(maximum)}")
    if value < minimum:
        return Refused(f"at least {_size_words(minimum)}")
    return value


def count(
    text: str, minimum: int = 1, maximum: int = 1_000_000, what: str = "a whole number"
) -> int | Refused:
    """A whole number between the bounds ('' is not one)."""
    match = _COUNT.match(text)
    if not match:
        return Refused(f"{what}, {minimum} to {maximum}")
    value = int(match.group(1))
    if not minimum <= value <= maximum:
        return Refused(f"{what}, {minimum} to {maximum}")
    return value


def _size_words(value: int) -> str:
    for unit in ("P", "T", "G", "M", "K"):
        if value >= UNITS[unit] and value % UNITS[unit] == 0:
            return f"{value // UNITS[unit]}{unit}"
    return f"{value} bytes"


def parse_memory_mib(text: str) -> int | None:
    """'1024', '512M', '2 GiB', '1.5G' as MiB (a bare number is MiB); None when unreadable or
    beyond any host (MAX_SIZE)."""
    size = size_bytes(text, "M", minimum=0)
    return None if isinstance(size, Refused) else size // MIB


def parse_size_bytes(text: str) -> int | None:
    """'10G', '512M', '1.5T' (a bare number is GiB here: disks are sized in GiB)."""
    size = size_bytes(text, "G", minimum=MIB)
    return None if isinstance(size, Refused) else size // MIB * MIB
