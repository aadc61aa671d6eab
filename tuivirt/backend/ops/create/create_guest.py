"""Creating a guest from a checked spec, removing everything made so far if a step fails."""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import libvirt

from tuivirt.backend.live.connection import describe_error
from tuivirt.backend.ops.common.host_offer import HostOffer
from tuivirt.backend.ops.create.guest_spec import DiskMode, GuestSpec, domain_xml, volume_xml


class CreateError(Exception):
    """A step failed; ``leftovers`` names anything the clean-up could not remove."""

    def __init__(self, step: str, reason: str, leftovers: list[str]) -> None:
        message = f"{step} failed: {reason}"
        if leftovers:
            message += f" (could not clean up: {'; '.join(leftovers)})"
        super().__init__(message)
        self.step = step
        self.leftovers = leftovers


def create_guest(
    conn: libvirt.virConnect,
    spec: GuestSpec,
    offer: HostOffer,
    progress: Callable[[str], None] = lambda _s: None,
) -> str:
    """Volume, definition, autostart, start: the new guest's UUID. On failure, undo and raise."""
    volume: libvirt.virStorageVol | None = None
    dom: libvirt.virDomain | None = None
    step = ""
    try:
        source = ""
        if spec.disk_mode is DiskMode.NEW:
            step = f"creating volume {spec.disk_pool}/{spec.volume_name}"
            progress(step)
            volume = conn.storagePoolLookupByName(spec.disk_pool).createXML(volume_xml(spec), 0)
            source = volume.path()
        step = f"defining {spec.name}"
        progress(step)
        dom = conn.defineXML(domain_xml(spec, offer, source))
        if spec.autostart:
            step = "setting autostart"
            progress(step)
            dom.setAutostart(1)
        if spec.start:
            step = f"starting {spec.name}"
            progress(step)
            dom.create()
        return str(dom.UUIDString())
    except libvirt.libvirtError as exc:
        raise CreateError(step, describe_error(exc), _undo(dom, volume)) from exc


def _undo(dom: libvirt.virDomain | None, volume: libvirt.virStorageVol | None) -> list[str]:
    """Remove what was made, in reverse; say what could not be removed."""
    leftovers = []
    if dom is not None:
        try:
            if dom.isActive():
                dom.destroy()
            flags = libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE
            with contextlib.suppress(libvirt.libvirtError):  # drivers without NVRAM support refuse the flag
                dom.undefineFlags(flags | libvirt.VIR_DOMAIN_UNDEFINE_NVRAM)
                dom = None
            if dom is not None:
                dom.undefineFlags(flags)
        except libvirt.libvirtError as exc:
            leftovers.append(f"guest: {describe_error(exc)}")
    if volume is not None:
        try:
            volume.delete(0)
        except libvirt.libvirtError as exc:
            leftovers.append(f"volume: {describe_error(exc)}")
    return leftovers
