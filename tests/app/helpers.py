"""Reading the app's tables in tests."""

from __future__ import annotations

from pathlib import Path

from tuivirt.backend.live.models import DomainSnapshot, HostConfig
from tuivirt.cli import demo_uri
from tuivirt.ui.shared.widgets.domains_table import DomainsTable


def domain(table: DomainsTable, key: str) -> DomainSnapshot:
    row = table.item(key)
    assert row is not None, f"no row {key}"
    return row.domain


def names(table: DomainsTable) -> list[str]:
    """Guest names in display order."""
    return [domain(table, key).name for key in table.keys]


def key_of(table: DomainsTable, name: str) -> str | None:
    return next((key for key in table.keys if domain(table, key).name == name), None)


def state_of(table: DomainsTable, name: str) -> str | None:
    """The State cell of the guest called ``name`` (an action's progress while one runs)."""
    key = key_of(table, name)
    return None if key is None else table.cell_text(key, "state")


def demo_copy(folder: Path, name: str) -> HostConfig:
    """A second host with the demo's guests: a copy of the demo node file (same UUIDs, own state)."""
    path = folder / f"{name}.xml"
    path.write_text(Path(demo_uri().removeprefix("test://")).read_text())
    return HostConfig(name, f"test://{path}")
