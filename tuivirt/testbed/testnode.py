"""Node files for libvirt's test driver with many guests: for scale tests and benchmarks.

``test:///ABS/PATH.xml`` opens one in-process; ``test+unix:///ABS/PATH.xml`` serves it through
the daemon, so every call is a real RPC, as on a remote host.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from xml.sax.saxutils import escape

# Every 5th guest paused, every 3rd shut off, the rest running.
RUNNING, PAUSED, SHUTOFF = 1, 3, 5


def guest_state(index: int) -> int:
    if index % 5 == 4:
        return PAUSED
    if index % 3 == 2:
        return SHUTOFF
    return RUNNING


def node_xml(count: int, prefix: str = "guest", seed: str = "tuivirt") -> str:
    """A node with ``count`` guests named PREFIX-0000 …, with stable UUIDs for a given seed."""
    domains = []
    for i in range(count):
        name = escape(f"{prefix}-{i:04d}")
        dom_uuid = uuid.uuid5(uuid.NAMESPACE_URL, f"{seed}/{prefix}/{i}")
        domains.append(
            f"<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'>"
            f"<name>{name}</name><uuid>{dom_uuid}</uuid>"
            f"<memory unit='MiB'>{512 * (1 + i % 4)}</memory><vcpu>{1 + i % 4}</vcpu>"
            f"<os><type arch='x86_64'>hvm</type></os><test:runstate>{guest_state(i)}</test:runstate>"
            f"</domain>"
        )
    cpu = "<cpu><mhz>2400</mhz><model>Test CPU</model><active>64</active><nodes>2</nodes>"
    cpu += "<sockets>2</sockets><cores>8</cores><threads>2</threads></cpu>"
    return f"<node>{cpu}<memory>536870912</memory>\n" + "\n".join(domains) + "\n</node>\n"


def write_node_file(path: Path, count: int, prefix: str = "guest") -> Path:
    path.write_text(node_xml(count, prefix))
    return path.resolve()
