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
