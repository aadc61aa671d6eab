"""`virsh edit` done right: the next boot's definition out to an editor and back, validated by
libvirt before it is defined, with a diff of what changed."""

from __future__ import annotations

import difflib
import os
import shlex
import xml.etree.ElementTree as ET

import libvirt

from tuivirt.backend.ops.editor.devices import EDIT_FLAGS


def editor_command() -> list[str]:
    """$VISUAL, else $EDITOR, else vi; split as a shell would ("code --wait" works)."""
    return shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")


def read_for_edit(conn: libvirt.virConnect, uuid: str) -> str:
    return str(conn.lookupByUUIDString(uuid).XMLDesc(EDIT_FLAGS))


def xml_diff(old: str, new: str, name: str) -> str:
    lines = difflib.unified_diff(
        old.splitlines(), new.splitlines(), f"{name} (defined)", f"{name} (edited)", lineterm="", n=2
    )
    return "\n".join(lines)


def define_edited(conn: libvirt.virConnect, uuid: str, xml: str) -> str:
    """Define the edited XML after libvirt validated it against its schema; the guest's name.

    An edit that changes the UUID would define another guest next to this one: refused, as it is
    never what an edit of this guest means."""
    try:
        edited_uuid = (ET.fromstring(xml).findtext("uuid") or "").strip()
    except ET.ParseError as exc:
        raise ValueError(f"the XML is not well-formed: {exc}") from exc
    if edited_uuid and edited_uuid.lower() != uuid.lower():
        raise ValueError(f"the UUID changed ({edited_uuid}): that would define a second guest")
    dom = conn.defineXMLFlags(xml, libvirt.VIR_DOMAIN_DEFINE_VALIDATE)
    return str(dom.name())
