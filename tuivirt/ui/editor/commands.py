"""`e`: the guest editor; `E`: the guest's XML in $EDITOR."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.ui.editor.screen import GuestEditorScreen
from tuivirt.ui.editor.xml_edit import XmlEditor
from tuivirt.ui.shared.commands import Command, Feature, GuestView


def edit(view: GuestView, targets: list[GuestTarget]) -> None:
    view.app.push_screen(GuestEditorScreen(view.fleet, targets[0]))


def edit_xml(view: GuestView, targets: list[GuestTarget]) -> None:
    domain = view.domain(targets[0].key)
    view.helper(XmlEditor).edit(targets[0], domain is not None and domain.state.is_active)


FEATURE = Feature(
    commands=(
        Command("guest.edit", "e", "Edit", edit, refusal="The editor", palette="e: CPU, memory, disks, NICs"),
        Command("guest.edit_xml", "E", "Edit XML", edit_xml, palette="E: virsh edit"),
    ),
    helpers=(lambda view: XmlEditor(view.fleet),),
)
