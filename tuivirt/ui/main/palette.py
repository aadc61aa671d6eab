"""Ctrl+P: every guest action that applies to the selected (or marked) guests, by name, the editor
and clone of the guest under the cursor, migration, and storage."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tuivirt.backend.ops.clone.clone_source import clone_refusal
from tuivirt.backend.ops.lifecycle.actions import SPECS
from tuivirt.ui.main.screen import MainScreen


def _mark_tagged(screen: MainScreen, tag: str) -> None:
    screen.table.mark_tagged(tag)
    screen.refresh_bindings()


class GuestCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = self.screen
        if not isinstance(screen, MainScreen) or screen.readonly:
            return []
        commands: list[tuple[str, Callable[[], object], str]] = []
        for spec in SPECS.values():
            targets = screen.applicable(spec)
            if not targets:
                continue
            who = targets[0].name if len(targets) == 1 else f"{len(targets)} marked guests"
            help_text = f"virsh {spec.virsh}" + (" (asks first)" if spec.destructive else "")
            commands.append(
                (f"{spec.label}: {who}", partial(screen.action_guest, spec.action.value), help_text)
            )
        row = screen.table.item(screen.table.cursor_key) if screen.table.cursor_key else None
        if row is not None:
            name = row.domain.name
            commands.append(
                (f"Edit: {name}", partial(screen.action_open, "editor"), "e: CPU, memory, disks, NICs")
            )
            commands.append((f"Edit XML: {name}", partial(screen.action_open, "xml"), "E: virsh edit"))
            if not clone_refusal(row.domain.state):
                commands.append((f"Clone: {name}", partial(screen.action_open, "clone"), "C: virt-clone"))
            marked = len(screen.targets())
            who = name if marked == 1 else f"{marked} marked guests"
            commands.append((f"Migrate: {who}", partial(screen.action_open, "migrate"), "M: virsh migrate"))
        commands.append(("Storage", partial(screen.action_fleet_screen, "storage"), "P: pools and volumes"))
        for tag in sorted({tag for key in screen.table.keys for tag in screen.table.item(key).domain.tags}):  # type: ignore[union-attr]
            mark = partial(_mark_tagged, screen, tag)
            commands.append((f"Mark tagged: {tag}", mark, "every guest shown with it"))
        return commands

    async def discover(self) -> Hits:
        for name, callback, help_text in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, callback, help_text in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
