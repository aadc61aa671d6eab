"""`#`: the tags of the guest under the cursor or of the marked guests, changed in each guest's own
definition (one call per guest, on a worker); a failure names the guest, its host and why."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.message import Message
from textual.widget import Widget

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.ops.tags.tags import change_tags
from tuivirt.ui.tags.tags_form import TagChange, TagsFormScreen


class TagsChanged(Message):
    def __init__(self, done: int, failures: list[str]) -> None:
        super().__init__()
        self.done, self.failures = done, failures


class GuestTagger(Widget):
    DEFAULT_CSS = "GuestTagger { display: none; }"

    def __init__(self, fleet: Fleet) -> None:
        super().__init__()
        self._fleet = fleet

    def edit(self, targets: list[GuestTarget]) -> None:
        """The form, with each guest's tags as last seen and the fleet's tags to complete from."""
        if not targets:
            return
        seen = {(s.config.uri, d.uuid): d.tags for s in self._fleet.snapshots.values() for d in s.domains}
        what = targets[0].name if len(targets) == 1 else f"{len(targets)} marked guests"

        def chosen(change: TagChange | None) -> None:
            if change is not None:
                self._apply(targets, change)

        guest_tags = [seen.get((t.host_uri, t.uuid), ()) for t in targets]
        in_use = {tag for tags in seen.values() for tag in tags}
        self.app.push_screen(TagsFormScreen(what, guest_tags, in_use), chosen)

    def _apply(self, guests: list[GuestTarget], change: TagChange) -> None:
        fleet = self._fleet

        def run() -> None:
            failures = []
            for guest in guests:
                work = partial(change_tags, uuid=guest.uuid, add=change.add, remove=change.remove)
                try:
                    fleet.call(guest.host_uri, work, what=f"Tag {guest.name}", changes=True, guest=guest.uuid)
                except HostCallError as exc:
                    failures.append(str(exc))
            self.post_message(TagsChanged(len(guests) - len(failures), failures))

        self.run_worker(run, thread=True, exit_on_error=False, group="tags")

    @on(TagsChanged)
    def _changed(self, message: TagsChanged) -> None:
        if message.done:
            self.notify(f"Tags changed on {message.done} guest{'s' if message.done > 1 else ''}.")
        for failure in message.failures:
            self.notify(failure, severity="error", timeout=10)
