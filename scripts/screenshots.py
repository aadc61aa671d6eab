"""Render the real app on the demo host into screenshots/*.svg (re-run after UI changes).

.venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tuivirt.app import TuivirtApp
from tuivirt.backend.models import HostConfig
from tuivirt.cli import demo_uri

OUT = Path(__file__).resolve().parent.parent / "screenshots"
# file name -> (terminal size, keys pressed once the guests are listed)
SHOTS: dict[str, tuple[tuple[int, int], list[str]]] = {
    "main-100x30.svg": ((100, 30), ["down", "down", "down"]),
    "main-80x24.svg": ((80, 24), ["down", "down", "down"]),
    "marks-and-confirm-100x30.svg": ((100, 30), ["end", "up", "space", "space", "up", "up", "space", "F"]),
    "details-100x30.svg": ((100, 30), ["down", "down", "down", "down", "down", "enter"]),
    "delete-100x30.svg": ((100, 30), ["D"]),
    "help-100x30.svg": ((100, 30), ["question_mark"]),
}


async def shoot(filename: str, size: tuple[int, int], keys: list[str]) -> None:
    app = TuivirtApp([HostConfig("demo", demo_uri())])
    async with app.run_test(size=size) as pilot:
        deadline = time.monotonic() + 10
        while app.main.table.row_count == 0 and time.monotonic() < deadline:
            await pilot.pause(0.05)
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.5)
        app.save_screenshot(filename, str(OUT))
    print(OUT / filename)


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for filename, (size, keys) in SHOTS.items():
        await shoot(filename, size, keys)


if __name__ == "__main__":
    asyncio.run(main())
