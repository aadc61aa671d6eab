"""OS variants from the osinfo database (Debian's osinfo-db, the data virt-install uses).

Optional: without /usr/share/osinfo there is just "generic". Each variant suggests memory,
vCPUs and a disk size, and whether the OS has virtio drivers (else SATA disks and e1000 NICs).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OSINFO_DIRS = (Path("/usr/share/osinfo/os"), Path("/usr/share/libosinfo/db/os"))
VIRTIO_VENDOR = "http://pcisig.com/pci/1af4/"
GIB = 1024**3


@dataclass(frozen=True)
class OsVariant:
    short_id: str
    name: str
    os_id: str
    memory_mib: int
    vcpus: int
    disk_gib: int
    virtio: bool


GENERIC = OsVariant("generic", "Generic OS", "", 1024, 1, 10, True)


def _resources(os_el: ET.Element) -> tuple[int, int, int] | None:
    """(memory MiB, vCPUs, disk GiB): recommended, else minimum, for x86_64 or all arches."""
    for kind in ("recommended", "minimum"):
        for res in os_el.iterfind("resources"):
            if res.get("arch", "all") not in ("all", "x86_64"):
                continue
            found = res.find(kind)
            if found is None or found.findtext("ram") is None:
                continue
            ram = int(found.findtext("ram") or 0) // (1024 * 1024)
            cpus = int(found.findtext("n-cpus") or 1)
            storage = int(found.findtext("storage") or 10 * GIB) // GIB
            return max(ram, 64), max(cpus, 1), max(storage, 1)
    return None


@cache
def load_variants(folders: tuple[Path, ...] = OSINFO_DIRS) -> tuple[OsVariant, ...]:
    """Every OS the database knows, "generic" first, the rest by name."""
    records: dict[str, tuple[ET.Element, str]] = {}
    for folder in folders:
        for path in sorted(folder.glob("*/*.xml")) if folder.is_dir() else []:
            try:
                os_el = ET.parse(path).getroot().find("os")
            except ET.ParseError:
                continue
            if os_el is not None and os_el.get("id") and os_el.findtext("short-id"):
                records[os_el.get("id", "")] = (os_el, path.name)

    def inherited(os_id: str, depth: int = 0) -> tuple[tuple[int, int, int] | None, bool]:
        """Resources and virtio support, looked up the derives-from chain where missing."""
        os_el, _ = records[os_id]
        resources = _resources(os_el)
        virtio = any((d.get("id") or "").startswith(VIRTIO_VENDOR) for d in os_el.iterfind("devices/device"))
        parent = os_el.find("derives-from")
        if (resources is None or not virtio) and parent is not None and depth < 10:
            parent_id = parent.get("id", "")
            if parent_id in records:
                parent_resources, parent_virtio = inherited(parent_id, depth + 1)
                resources = resources or parent_resources
                virtio = virtio or parent_virtio
        return resources, virtio

    variants = []
    for os_id, (os_el, _name) in records.items():
        resources, virtio = inherited(os_id)
        memory, cpus, disk = resources or (GENERIC.memory_mib, GENERIC.vcpus, GENERIC.disk_gib)
        short_id, name = os_el.findtext("short-id") or "", os_el.findtext("name") or ""
        variants.append(OsVariant(short_id, name, os_id, memory, cpus, disk, virtio))
    variants.sort(key=lambda v: v.name.lower())
    return (GENERIC, *variants)


def find_variant(short_id: str) -> OsVariant | None:
    return next((v for v in load_variants() if v.short_id == short_id), None)
