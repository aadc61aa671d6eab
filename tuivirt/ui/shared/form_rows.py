"""A form's rows, as the new-guest form and the editor's sections and dialogs lay them out: a label,
the field, and beside it the reason the value will not do (or a hint)."""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Select

from tuivirt.ui.shared.plain import PlainLabel


def options(values: Any) -> list[tuple[str, str]]:
    return [(str(v), str(v)) for v in values]


def row(label: str, field_id: str, widget: Input | Select[str] | Checkbox) -> Horizontal:
    widget.id = field_id
    widget.compact = True  # one line a field: the whole form fits 80x24 with a little scrolling
    return Horizontal(
        PlainLabel(label, classes="form-label"),
        widget,
        PlainLabel("", id=f"{field_id}-why", classes="form-why"),
        classes="form-row",
        id=f"{field_id}-row",
    )


def show_reasons(node: Widget, errors: dict[str, str], hints: dict[str, str] | None = None) -> None:
    """Beside each field of ``node``'s rows: its error, else its hint."""
    for why in node.query(".form-why").results(PlainLabel):
        field_id = (why.id or "").removesuffix("-why")
        why.update(errors.get(field_id) or (hints or {}).get(field_id, ""))
        why.set_class(field_id in errors, "form-error")
