"""A widget that shows one image in half blocks (see half_blocks): scaled to its size, or at its
actual size (one pixel per half cell, where a text screen's letters can be read) from ``origin``."""

from __future__ import annotations

from PIL import Image
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tuivirt.ui.glimpse.half_blocks import strips


class ImageView(Widget):
    DEFAULT_CSS = "ImageView { height: 1fr; width: 1fr; }"

    def __init__(self, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._image: Image.Image | None = None
        self._lines: list[Strip] = []
        self.actual_size = False
        self.origin = (0, 0)  # the pixel at the top left, at actual size

    def show(self, image: Image.Image) -> None:
        self._image = image
        self._scale()

    def toggle_actual_size(self) -> None:
        self.actual_size = not self.actual_size
        self._scale()

    def pan(self, dx: int, dy: int) -> None:
        """Move the part shown at actual size by ``dx``, ``dy`` pixels (kept inside the image)."""
        self.origin = (self.origin[0] + dx, self.origin[1] + dy)
        self._scale()

    def on_resize(self) -> None:
        self._scale()

    def _scale(self) -> None:
        image = self._image
        if image is not None and self.actual_size:
            wide, high = self.size.width, self.size.height * 2
            x = max(0, min(self.origin[0], image.width - wide))
            y = max(0, min(self.origin[1], image.height - high))
            self.origin = (x, y)
            image = image.crop((x, y, min(image.width, x + wide), min(image.height, y + high)))
        if image is None:
            return
        lines = strips(image, self.size.width, self.size.height, grow=not self.actual_size)
        old, self._lines = self._lines, lines
        for y in range(max(len(old), len(lines))):  # only the lines that changed (a blinking cursor)
            if y >= len(old) or y >= len(lines) or old[y] != lines[y]:
                self.refresh(Region(0, y, self.size.width, 1))

    def render_line(self, y: int) -> Strip:
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.size.width)
