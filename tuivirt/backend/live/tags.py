"""A guest's tags, kept in its own definition (``<metadata>`` under tuivirt's namespace), so that
they travel with it: migrated, cloned by libvirt, seen by every tuivirt on any machine.

    <tuivirt:tags xmlns:tuivirt="https://tuivirt.org/xmlns/tags/1"><tag>web</tag></tuivirt:tags>
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable

import libvirt

NAMESPACE = "https://tuivirt.org/xmlns/tags/1"
PREFIX = "tuivirt"
TAG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$")


def tag_problem(tag: str) -> str:
    """Why ``tag`` will not do; "" when it will."""
    if not tag:
        return "empty"
    if len(tag) > 40:
        return "longer than 40 characters"
    if not TAG.match(tag):
        return "letters, digits and - _ . : only, starting with a letter or digit"
    return ""


def parse_tags(xml: str) -> tuple[str, ...]:
    """The tags of a metadata element, in order, each once; nothing that is not a valid tag."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return ()
    found = ((t.text or "").strip() for t in root.iter("tag"))
    return tuple(dict.fromkeys(t for t in found if not tag_problem(t)))


def tags_xml(tags: Iterable[str]) -> str:
    root = ET.Element("tags")
    for tag in dict.fromkeys(tags):
        ET.SubElement(root, "tag").text = tag
    return ET.tostring(root, encoding="unicode")


def read_tags(dom: libvirt.virDomain, *, next_boot: bool = False) -> tuple[str, ...]:
    """The guest's tags (of its running definition, or of the next boot's)."""
    flags = libvirt.VIR_DOMAIN_AFFECT_CONFIG if next_boot else libvirt.VIR_DOMAIN_AFFECT_CURRENT
    try:
        return parse_tags(dom.metadata(libvirt.VIR_DOMAIN_METADATA_ELEMENT, NAMESPACE, flags))
    except libvirt.libvirtError as exc:
        if exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN_METADATA:
            return ()
        raise
