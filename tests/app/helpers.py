"""Reading the app's tables in tests."""

from __future__ import annotations

from tuivirt.ui.domains_table import DomainsTable


def names(table: DomainsTable) -> list[str]:
    """Guest names in display order."""
    return [table.item(key).name for key in table.keys]  # type: ignore[union-attr]


def state_of(table: DomainsTable, name: str) -> str | None:
    """The State cell of the guest called ``name``, None when it has no row."""
    for key in table.keys:
        if table.item(key).name == name:  # type: ignore[union-attr]
            return table.cell_text(key, "state")
    return None
