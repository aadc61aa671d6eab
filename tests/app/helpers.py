"""Reading the app's tables in tests."""

from __future__ import annotations

from tuivirt.backend.models import DomainSnapshot
from tuivirt.ui.domains_table import DomainsTable


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
