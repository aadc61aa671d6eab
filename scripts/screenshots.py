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
from tuivirt.ui.domains_table import DomainsTable

OUT = Path(__file__).resolve().parent.parent / "screenshots"
SHOTS = {"main-100x30.svg": (100, 30), "main-80x24.svg": (80, 24)}


async def shoot(filename: str, size: tuple[int, int]) -> None:
    app = TuivirtApp([HostConfig("demo", demo_uri())])
    async with app.run_test(size=size) as pilot:
        table = app.query_one(DomainsTable)
        deadline = time.monotonic() + 10
        while table.row_count == 0 and time.monotonic() < deadline:
            await pilot.pause(0.05)
        await pilot.pause(0.2)
        app.save_screenshot(filename, str(OUT))
    print(OUT / filename)


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    for filename, size in SHOTS.items():
        await shoot(filename, size)


if __name__ == "__main__":
    asyncio.run(main())
