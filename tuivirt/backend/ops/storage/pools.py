"""Storage pools (virsh pool-*): list them with their figures, start, stop, rescan, autostart,
define a directory pool and delete one."""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import libvirt

POOL_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


@dataclass(frozen=True)
class PoolInfo:
    name: str
    type: str
    active: bool
    autostart: bool
    persistent: bool
    capacity: int  # bytes; 0 while inactive
    allocation: int
    available: int
    path: str

    @property
    def used_pct(self) -> float | None:
        return 100.0 * self.allocation / self.capacity if self.active and self.capacity else None


def read_pool(pool: libvirt.virStoragePool) -> PoolInfo:
    root = ET.fromstring(pool.XMLDesc(0))
    _state, capacity, allocation, available = pool.info()
    return PoolInfo(
        name=pool.name(),
        type=root.get("type", ""),
        active=bool(pool.isActive()),
        autostart=bool(pool.autostart()),
        persistent=bool(pool.isPersistent()),
        capacity=capacity,
        allocation=allocation,
        available=available,
        path=root.findtext("target/path", ""),
    )


def list_pools(conn: libvirt.virConnect) -> list[PoolInfo]:
    return sorted((read_pool(p) for p in conn.listAllStoragePools(0)), key=lambda p: p.name)


def start_pool(conn: libvirt.virConnect, name: str) -> str:
    conn.storagePoolLookupByName(name).create(0)
    return f"pool {name} started"


def stop_pool(conn: libvirt.virConnect, name: str) -> str:
    """Guests keep their open disks; new volumes and starts of guests on it fail until it runs."""
    conn.storagePoolLookupByName(name).destroy()
    return f"pool {name} stopped"


def rescan_pool(conn: libvirt.virConnect, name: str) -> str:
    """pool-refresh: libvirt reads the pool's directory again (files copied in by hand show)."""
    conn.storagePoolLookupByName(name).refresh(0)
    return f"pool {name} rescanned"


def set_autostart(conn: libvirt.virConnect, name: str, on: bool) -> str:
    conn.storagePoolLookupByName(name).setAutostart(1 if on else 0)
    return f"pool {name} autostart {'on' if on else 'off'}"


def check_dir_pool(name: str, path: str, taken: set[str], *, local: bool, build: bool) -> dict[str, str]:
    """Reasons by field. ``local``: the host is this machine, so the path can be looked at here
    (on a remote host libvirt's start says what is wrong with it)."""
    errors = {}
    if not POOL_NAME.match(name):
        errors["name"] = "letters, digits and _ . + - (a letter or digit first)"
    elif name in taken:
        errors["name"] = "a pool of that name exists on this host"
    if not path.startswith("/"):
        errors["path"] = "an absolute path, such as /srv/images"
    elif local and os.path.exists(path) and not os.path.isdir(path):
        errors["path"] = "exists and is not a directory"
    elif local and not build and not os.path.isdir(path):
        errors["path"] = "does not exist (tick Create it)"
    return errors


def define_dir_pool(conn: libvirt.virConnect, name: str, path: str, *, build: bool) -> str:
    """Define, build (mkdir) if asked, start and mark for autostart; a pool that does not start is
    undefined again, so nothing half-made stays."""
    pool_el = ET.Element("pool", type="dir")
    ET.SubElement(pool_el, "name").text = name
    ET.SubElement(ET.SubElement(pool_el, "target"), "path").text = path
    pool = conn.storagePoolDefineXML(ET.tostring(pool_el, encoding="unicode"), 0)
    try:
        if build:
            pool.build(0)
        pool.create(0)
        pool.setAutostart(1)
    except libvirt.libvirtError:
        if pool.isActive():
            pool.destroy()
        pool.undefine()
        raise
    return f"pool {name} defined on {path}, started, autostart on"


def delete_pool(conn: libvirt.virConnect, name: str, *, remove_directory: bool) -> str:
    """Stop (if running) and undefine. The directory is removed only when asked and empty: its
    volumes stay as files otherwise."""
    pool = conn.storagePoolLookupByName(name)
    if remove_directory and pool.isActive():
        pool.refresh(0)
        count = pool.numOfVolumes()
        if count:
            raise ValueError(f"pool {name}: its directory holds {count} volume(s); delete them first")
    if pool.isActive():
        pool.destroy()
    if remove_directory:
        pool.delete(0)  # rmdir: refuses a directory that is not empty
    if pool.isPersistent():
        pool.undefine()
    return f"pool {name} deleted" + (" with its directory" if remove_directory else " (its files stay)")
