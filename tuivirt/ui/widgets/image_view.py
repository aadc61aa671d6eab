"""A widget that shows one image in half blocks, scaled to its size (see half_blocks)."""

from __future__ import annotations

from PIL import Image
from textual.strip import Strip
from textual.widget import Widget

from tuivirt.ui.widgets.half_blocks import strips


class ImageView(Widget):
    DEFAULT_CSS = "ImageView { height: 1fr; width: 1fr; }"

    def __init__(self, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._image: Image.Image | None = None
        self._lines: list[Strip] = []

    def show(self, image: Image.Image) -> None:
        self._image = image
        self._scale()

    def on_resize(self) -> None:
        self._scale()

    def _scale(self) -> None:
        if self._image is not None:
            self._lines = strips(self._image, self.size.width, self.size.height)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        return self._lines[y] if y < len(self._lines) else Strip.blank(self.size.width)
