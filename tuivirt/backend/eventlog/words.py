"""libvirt's lifecycle events and their details, in words: "started (booted)", "stopped (crashed)"."""

from __future__ import annotations

import libvirt

_EVENTS = {
    libvirt.VIR_DOMAIN_EVENT_DEFINED: ("defined", ["added", "updated", "renamed", "from snapshot"]),
    libvirt.VIR_DOMAIN_EVENT_UNDEFINED: ("undefined", ["removed", "renamed"]),
    libvirt.VIR_DOMAIN_EVENT_STARTED: (
        "started",
        ["booted", "migrated", "restored", "from snapshot", "woken"],
    ),
    libvirt.VIR_DOMAIN_EVENT_SUSPENDED: (
        "paused",
        [
            "by us",
            "migrated",
            "I/O error",
            "watchdog",
            "restored",
            "from snapshot",
            "API error",
            "post-copy",
            "post-copy failed",
        ],
    ),
    libvirt.VIR_DOMAIN_EVENT_RESUMED: (
        "resumed",
        ["by us", "migrated", "from snapshot", "post-copy", "post-copy failed"],
    ),
    libvirt.VIR_DOMAIN_EVENT_STOPPED: (
        "stopped",
        ["shut down", "destroyed", "crashed", "migrated", "saved", "failed", "from snapshot"],
    ),
    libvirt.VIR_DOMAIN_EVENT_SHUTDOWN: ("shutting down", ["finished", "by the guest", "by the host"]),
    libvirt.VIR_DOMAIN_EVENT_PMSUSPENDED: ("suspended to", ["memory", "disk"]),
    libvirt.VIR_DOMAIN_EVENT_CRASHED: ("crashed", ["panicked", "crashloaded"]),
}


def lifecycle_text(event: int, detail: int) -> str:
    """'started (booted)'; an event or detail newer than this list still reads as its number."""
    name, details = _EVENTS.get(event, (f"event {event}", []))
    said = details[detail] if 0 <= detail < len(details) else f"detail {detail}"
    return f"{name} ({said})"
