"""The `[keys]` of the config file: checked once at start, then applied to every screen and widget.

Textual's own keymap (``App.set_keymap``) moves a remapped binding to the end of the bindings, where
a narrow footer cuts it off, and lets a remapped key silently take another action's key (bind `q` to
an action and quitting is gone). Here a keymap is checked first (unknown ids and clashes reported and
left out) and each binding keeps its place.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from textual import events
from textual.binding import Binding, BindingsMap, BindingType
from textual.dom import DOMNode
from textual.widget import Widget

Keymap = Mapping[str, str]


def normalize_keys(keys: str) -> tuple[str, ...]:
    """ "K, ?" -> ("K", "question_mark"): Textual's names for single characters."""
    names = []
    for key in (k.strip() for k in keys.split(",")):
        if len(key) == 1 and not key.isalnum():
            key = unicodedata.name(key, key).lower().replace("-", "_").replace(" ", "_")
        if key:
            names.append(key)
    return tuple(names)


class Keymapped:
    """Mixed into every screen and widget of tuivirt that has bindings: when it mounts, its bindings
    take the app's checked keymap (``keymap_in_force``), each in its own place."""

    def _on_mount(self, event: events.Mount) -> None:  # Textual calls every class's _on_mount
        node: Any = self
        if getattr(node.app, "keymap_in_force", {}):
            # DOMNode keeps its bindings in _bindings; Textual offers no public way to replace them.
            node._bindings = BindingsMap(bindings_in_force(node))
            node.refresh_bindings()


def readonly_twins(bindings: Iterable[BindingType], actions: set[str]) -> list[BindingType]:
    """For each binding of ``actions``, a hidden twin on the same keys and id that says why the key
    does nothing while tuivirt runs read-only: check_action hides the first, and Textual then tries
    the next binding of the key. (A key that only hid once said nothing at all.)"""
    return [
        Binding(b.key, f"explain_readonly({b.description!r})", b.description, show=False, id=b.id)
        for b in bindings
        if isinstance(b, Binding) and b.action.split("(")[0] in actions
    ]


def explain_readonly(node: Widget, what: str) -> None:
    node.notify(f"{what}: not available, tuivirt runs read-only (--readonly).")


def bindings_in_force(node: DOMNode) -> list[Binding]:
    """The bindings ``node`` has under the app's checked keymap, in their declared order."""
    keymap: Keymap = getattr(node.app, "keymap_in_force", {})
    return remapped(class_bindings(type(node)), keymap)


def remapped(bindings: Iterable[Binding], keymap: Keymap) -> list[Binding]:
    """``bindings`` with the keymap's keys for their ids, in the same order."""
    result: list[Binding] = []
    seen: set[tuple[str, str]] = set()
    for binding in bindings:
        keys = keymap.get(binding.id) if binding.id else None
        if keys is None:
            result.append(binding)
        elif (binding.id or "", binding.action) not in seen:  # one binding per key of the keymap
            seen.add((binding.id or "", binding.action))
            result += [binding.with_key(key, key_display=None) for key in normalize_keys(keys)]
    return result


def class_bindings(cls: type[DOMNode]) -> list[Binding]:
    """Every binding a class declares or inherits (as Textual merges them)."""
    return [b for group in cls._merge_bindings().key_to_bindings.values() for b in group]


def check_keymap(
    keymap: Keymap, groups: Iterable[Iterable[type[DOMNode]]], where: str
) -> tuple[dict[str, str], list[str]]:
    """The entries to apply, and a warning for each left out: an id no binding has, or a key that
    would then belong to two actions active at once (the classes of one group)."""
    group_bindings = [[b for cls in group for b in class_bindings(cls)] for group in groups]
    known = {b.id for bindings in group_bindings for b in bindings if b.id}
    warnings = [
        f"{where}: keys.{binding_id}: no such binding id (? in the app lists them): ignored"
        for binding_id in keymap
        if binding_id not in known
    ]
    accepted = {i: ",".join(normalize_keys(k)) for i, k in keymap.items() if i in known}
    clashing = True
    while clashing:  # dropping one entry can end a clash or leave another: check again
        clashing = False
        for bindings in group_bindings:
            owners: dict[str, set[str]] = {}
            for binding in remapped(bindings, accepted):
                if binding.id:
                    owners.setdefault(binding.key, set()).add(binding.id)
            for key, ids in owners.items():
                moved = sorted(i for i in ids if i in accepted)
                if len(ids) > 1 and moved:
                    others = ", ".join(sorted(ids - {moved[0]})) or "another binding"
                    warnings.append(
                        f"{where}: keys.{moved[0]} = {keymap[moved[0]]!r}: {key} is already {others}: "
                        "ignored, the default key stays"
                    )
                    del accepted[moved[0]]
                    clashing = True
                    break
            if clashing:
                break
    return accepted, warnings
