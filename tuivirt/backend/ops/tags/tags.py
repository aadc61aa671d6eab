"""Setting a guest's tags: in its running definition and its next boot's, through setMetadata."""

from __future__ import annotations

from collections.abc import Iterable

import libvirt

from tuivirt.backend.live.tags import NAMESPACE, PREFIX, read_tags, tag_problem, tags_xml


def write_tags(conn: libvirt.virConnect, uuid: str, tags: Iterable[str]) -> tuple[str, ...]:
    """Set the guest's tags, in both its running definition and its next boot's; the tags set."""
    chosen = tuple(dict.fromkeys(tags))
    bad = [t for t in chosen if tag_problem(t)]
    if bad:
        raise ValueError(f"tag {bad[0]!r}: {tag_problem(bad[0])}")
    dom = conn.lookupByUUIDString(uuid)
    flags = 0
    if dom.isActive():
        flags |= libvirt.VIR_DOMAIN_AFFECT_LIVE
    if dom.isPersistent():
        flags |= libvirt.VIR_DOMAIN_AFFECT_CONFIG
    # An empty list removes the element: no empty <tags/> left behind in the definition.
    xml = tags_xml(chosen) if chosen else None
    dom.setMetadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, xml, PREFIX if chosen else None, NAMESPACE, flags)
    return chosen


def change_tags(
    conn: libvirt.virConnect, uuid: str, add: Iterable[str], remove: Iterable[str]
) -> tuple[str, ...]:
    """Add and remove tags on one guest (the others it has stay); the tags it ends with."""
    dropped = set(remove)
    current = read_tags(conn.lookupByUUIDString(uuid))
    return write_tags(conn, uuid, [*(t for t in current if t not in dropped), *add])
