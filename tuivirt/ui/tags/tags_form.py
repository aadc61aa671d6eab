"""`#`: add and remove tags on the guest under the cursor or the marked guests. Tags are words
(letters, digits, - _ . :); Tab completes the word being typed from the tags in use."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.suggester import Suggester
from textual.widgets import Button, Input

from tuivirt.backend.live.tags import tag_problem
from tuivirt.ui.shared.dialogs.device_form import DeviceFormScreen
from tuivirt.ui.shared.form_rows import row, show_reasons
from tuivirt.ui.shared.plain import Plain, PlainLabel


@dataclass(frozen=True)
class TagChange:
    add: tuple[str, ...]
    remove: tuple[str, ...]


def words(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(text.replace(",", " ").split()))


class LastWordSuggester(Suggester):
    """Completes the last word of the field from ``tags`` (the field holds several)."""

    def __init__(self, tags: Iterable[str]) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self._tags = sorted(set(tags))

    async def get_suggestion(self, value: str) -> str | None:
        last = value.rsplit(" ", 1)[-1]
        if not last:
            return None
        match = next((t for t in self._tags if t.startswith(last) and t != last), None)
        return value + match[len(last) :] if match else None


class TagInput(Input):
    """An Input where Tab takes the suggested completion (Textual's Input takes it on Right only,
    and Tab moves on); with nothing to complete, Tab moves on as anywhere else."""

    BINDINGS = [Binding("tab", "complete", "Complete", show=False, id="tags.complete")]

    def action_complete(self) -> None:
        if self.cursor_at_end and self._suggestion:
            self.action_cursor_right()  # accepts the suggestion
        else:
            self.screen.focus_next()


class TagsFormScreen(DeviceFormScreen[TagChange]):
    def __init__(self, what: str, guest_tags: list[tuple[str, ...]], in_use: Iterable[str]) -> None:
        """``guest_tags``: each chosen guest's tags; ``in_use``: every tag of the fleet."""
        super().__init__()
        self._what = what
        self._counts = Counter(tag for tags in guest_tags for tag in tags)
        self._guests = len(guest_tags)
        self._in_use = set(in_use)

    def _now(self) -> str:
        if not self._counts:
            now = "No tags yet."
        elif self._guests == 1:
            now = "Tags: " + " ".join(self._counts)
        else:
            now = "Tags: " + ", ".join(f"{tag} ({n} of {self._guests})" for tag, n in self._counts.items())
        others = sorted(self._in_use - self._counts.keys())
        return now + (f"\nIn use elsewhere: {' '.join(others)} (Tab completes)" if others else "")

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="device-form"):
            yield PlainLabel(f"Tags of {self._what}", classes="dialog-title")
            yield Plain(self._now(), classes="dialog-note")
            yield row(
                "Add", "add-tags", TagInput(placeholder="web prod", suggester=LastWordSuggester(self._in_use))
            )
            yield row("Remove", "remove-tags", TagInput(suggester=LastWordSuggester(self._counts)))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Apply (ctrl+s)", variant="primary", compact=True, id="add")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def request(self) -> TagChange:
        return TagChange(
            words(self.query_one("#add-tags", Input).value),
            words(self.query_one("#remove-tags", Input).value),
        )

    def check(self) -> dict[str, str]:
        change = self.request()
        errors = {}
        for field, tags in (("add-tags", change.add), ("remove-tags", change.remove)):
            bad = next((t for t in tags if tag_problem(t)), None)
            if bad is not None:
                errors[field] = f"{bad}: {tag_problem(bad)}"
        if not errors and not change.add and not change.remove:
            errors["add-tags"] = "a tag to add or remove"
        gone = [t for t in change.remove if t not in self._counts]
        hints = {"remove-tags": f"{' '.join(gone)}: not on these guests" if gone else ""}
        show_reasons(self, errors, hints)
        self.query_one("#add", Button).disabled = bool(errors)
        return errors
