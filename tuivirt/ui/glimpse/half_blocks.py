"""An image drawn with half blocks: each character is two pixels, the upper one in the foreground
colour of "▀" and the lower one in its background (any terminal with 256 or true colours)."""

from __future__ import annotations

import io
import math

from PIL import Image, ImageOps
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip


def decode(data: bytes) -> Image.Image:
    """The image in ``data`` (PNG, PPM …), as RGB; ValueError when it is not one."""
    try:
        return Image.open(io.BytesIO(data)).convert("RGB")
    except (OSError, Image.DecompressionBombError) as exc:
        raise ValueError(f"not an image: {exc}") from exc


def strips(image: Image.Image, columns: int, rows: int, *, grow: bool = True) -> list[Strip]:
    """``image`` scaled into ``columns`` x ``rows`` cells, its aspect kept (a cell is about twice as
    tall as wide, and holds two pixels); not made larger than it is unless ``grow``."""
    if columns <= 0 or rows <= 0:
        return []
    scale = min(columns / image.width, (rows * 2) / image.height, math.inf if grow else 1.0)
    width, height = max(1, round(image.width * scale)), max(2, round(image.height * scale) // 2 * 2)
    # Levels stretched after the scaling: text averaged into grey cells reads bright again.
    small = ImageOps.autocontrast(image.resize((width, height), Image.Resampling.BOX), cutoff=1)
    pixels = small.load()
    assert pixels is not None
    lines = []
    for y in range(0, height, 2):
        segments = []
        for x in range(width):
            top, bottom = pixels[x, y], pixels[x, min(y + 1, height - 1)]
            style = Style(color=Color.from_rgb(*top[:3]), bgcolor=Color.from_rgb(*bottom[:3]))  # type: ignore[index]
            segments.append(Segment("▀", style))
        lines.append(Strip(segments, width))
    return lines
