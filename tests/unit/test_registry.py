"""The registry is the main screen's one source of keys: every command becomes a binding with its
id (and a twin that explains, where it can be off), ids are unique, and each feature that has a
key declares it in its own folder."""

from __future__ import annotations

from textual.binding import Binding

from tuivirt.ui import registry
from tuivirt.ui.main.screen import MainScreen


def test_each_command_is_a_binding_of_the_main_screen_with_its_id() -> None:
    ids = [c.id for f in registry.FEATURES for c in f.commands]
    assert len(ids) == len(set(ids)) == len(registry.COMMANDS)
    bindings = [b for b in MainScreen.BINDINGS if isinstance(b, Binding)]
    for command in registry.COMMANDS.values():
        mine = [b for b in bindings if b.id == command.id]
        assert mine[0].action == f"command('{command.id}')" and mine[0].key == command.keys
        twins = [b.action for b in mine[1:]]
        assert twins == ([f"explain('{command.id}')"] if command.can_be_off else [])


def test_commands_live_in_their_features_folders() -> None:
    for command in registry.COMMANDS.values():
        folder = command.run.__module__.split(".")[2]
        assert command.run.__module__ == f"tuivirt.ui.{folder}.commands", command.id


def test_a_command_that_changes_things_says_so_read_only() -> None:
    words = registry.COMMANDS["guest.edit"].readonly_words()
    assert words == "The editor: not available, tuivirt runs read-only (--readonly)."
    assert not registry.COMMANDS["main.hosts"].changes and not registry.COMMANDS["guest.screen"].changes
