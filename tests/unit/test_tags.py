"""Tags in the guest's own definition, on the test driver: written, read back by a second
connection's view of the same XML, added and removed, checked."""

from __future__ import annotations

import libvirt
import pytest

from tuivirt.backend.live.tags import NAMESPACE, parse_tags, read_tags, tag_problem
from tuivirt.backend.ops.tags.tags import change_tags, write_tags


def test_tags_are_checked() -> None:
    assert tag_problem("web") == "" and tag_problem("env:prod-1.2") == ""
    assert tag_problem("") == "empty"
    assert "letters, digits" in tag_problem("a b")
    assert "letters, digits" in tag_problem("-x")
    assert tag_problem("x" * 41) == "longer than 40 characters"


def test_parse_keeps_order_drops_repeats_and_junk() -> None:
    xml = "<tags><tag>web</tag><tag>db</tag><tag>web</tag><tag>bad tag</tag></tags>"
    assert parse_tags(xml) == ("web", "db")
    assert parse_tags("<not xml") == ()


def test_tags_live_in_the_definition_and_come_and_go() -> None:
    conn = libvirt.open("test:///default")
    dom = conn.lookupByName("test")
    uuid = dom.UUIDString()
    assert read_tags(dom) == ()
    assert write_tags(conn, uuid, ["web", "prod", "web"]) == ("web", "prod")
    assert f'xmlns:tuivirt="{NAMESPACE}"' in dom.XMLDesc(libvirt.VIR_DOMAIN_XML_INACTIVE)
    assert read_tags(dom, next_boot=True) == ("web", "prod")
    assert change_tags(conn, uuid, add=["eu"], remove=["prod"]) == ("web", "eu")
    assert change_tags(conn, uuid, add=[], remove=["web", "eu"]) == ()
    assert NAMESPACE not in dom.XMLDesc(0)  # no empty element left
    with pytest.raises(ValueError, match="tag 'a b'"):
        write_tags(conn, uuid, ["a b"])
    conn.close()
