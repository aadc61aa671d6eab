"""Ctrl+P: every command of the registry that has a palette line and works now, by name ("Start:
web-01", "Migrate: 3 marked guests", "Storage"), and marking the guests that carry a tag."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tuivirt.ui import registry
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.commands import Scope


def _mark_tagged(screen: MainScreen, tag: str) -> None:
    screen.table.mark_tagged(tag)
    screen.refresh_bindings()


class GuestCommands(Provider):
    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        screen = self.screen
        if not isinstance(screen, MainScreen) or screen.readonly:
            return []
        commands: list[tuple[str, Callable[[], object], str]] = []
        for command in registry.COMMANDS.values():
            if not command.palette or not screen.check_action("command", (command.id,)):
                continue
            name = command.label
            if command.scope is not Scope.FLEET:
                targets = screen.applicable(command)
                if not targets:
                    continue
                name += f": {targets[0].name}" if len(targets) == 1 else f": {len(targets)} marked guests"
            commands.append((name, partial(screen.action_command, command.id), command.palette))
        for tag in sorted({tag for key in screen.table.keys for tag in screen.table.item(key).domain.tags}):  # type: ignore[union-attr]
            commands.append(
                (f"Mark tagged: {tag}", partial(_mark_tagged, screen, tag), "every guest shown with it")
            )
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
