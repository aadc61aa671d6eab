"""Clone a shut-off or paused guest (virt-clone): a new name, UUID and MAC addresses; each writable
disk copied (createXMLFrom) or overlaid (a qcow2 file backed by the source's, which stays
untouched); CD-ROMs and shareable disks shared; UEFI variables copied. A failed or cancelled
clone removes every volume it made, and defines nothing."""

from __future__ import annotations

import contextlib
import threading
import uuid as uuidlib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import PurePosixPath

import libvirt

from tuivirt.backend.live.connection import describe_error
from tuivirt.backend.ops.clone.clone_source import (
    CloneMode,
    CloneRequest,
    CloneSource,
    SourceDisk,
    submit_refusal,
)
from tuivirt.backend.ops.common.progress import Cancelled, Meter
from tuivirt.backend.ops.common.volumes import volume_xml

# Reads a volume's allocation (pool, name) on another connection while a copy is under way.
Peek = Callable[[str, str], int]
PEEK_EVERY = 0.5


def _new_volume_name(source: CloneSource, disk: SourceDisk, new: str, fmt: str, taken: set[str]) -> str:
    """The source's volume name with the guest's name swapped (web1.qcow2 -> web2.qcow2), else
    NEW-TARGET.FORMAT; -2, -3 … while taken."""
    stem = PurePosixPath(disk.volume).stem
    if stem.startswith(source.name):
        base, suffix = new + stem[len(source.name) :], PurePosixPath(disk.volume).suffix or f".{fmt}"
    else:
        base, suffix = f"{new}-{disk.target}", f".{fmt}"
    names = (f"{base}{'' if n == 1 else f'-{n}'}{suffix}" for n in range(1, 1000))
    return next(name for name in names if name not in taken)


class Cloner:
    """One clone, step by step, remembering what it made so that a failure can take it back."""

    def __init__(
        self, conn: libvirt.virConnect, source: CloneSource, request: CloneRequest, meter: Meter
    ) -> None:
        self.conn = conn
        self.source = source
        self.request = request
        self.meter = meter
        self.made: list[tuple[libvirt.virStorageVol, str]] = []  # with its path, for the report
        self._making: tuple[libvirt.virStoragePool, str, str] | None = None  # pool, its name, volume
        self._nvram_pool: libvirt.virStoragePool | None = None

    def run(self, peek: Peek | None) -> str:
        root = ET.fromstring(self.source.xml)
        try:
            new_paths = {d.target: self._disk(d, peek) for d in self.source.copied}
            nvram = self._nvram() if self.source.nvram else ""
            self.meter.check()
            xml = self._definition(root, new_paths, nvram)
            dom = self.conn.defineXML(xml)
        except BaseException as exc:
            raise self._undo(exc) from exc
        finally:
            if self._nvram_pool is not None:
                with contextlib.suppress(libvirt.libvirtError):
                    self._nvram_pool.destroy()
        macs = [m.get("address", "") for m in ET.fromstring(dom.XMLDesc(0)).iterfind("devices/interface/mac")]
        how = "copied" if self.request.mode is CloneMode.FULL else "overlaid (linked)"
        parts = [f"{len(new_paths)} disk(s) {how}"]
        if macs:
            parts.append("MAC " + ", ".join(macs))
        if nvram:
            parts.append("UEFI variables copied")
        return f"{self.source.name} cloned as {self.request.name}: " + "; ".join(parts)

    def _disk(self, disk: SourceDisk, peek: Peek | None) -> str:
        self.meter.check()
        pool = self.conn.storagePoolLookupByName(self.request.pool or disk.pool)
        source_vol = self.conn.storageVolLookupByPath(disk.path)
        linked = self.request.mode is CloneMode.LINKED
        fmt = "qcow2" if linked else disk.format
        name = _new_volume_name(self.source, disk, self.request.name, fmt, set(pool.listVolumes()))
        self._making = (pool, str(pool.name()), name)  # (until it is made: a copy cut midway stays)
        if linked:
            xml = volume_xml(name, disk.capacity, "qcow2", backing=(disk.path, disk.format))
            return self._made(pool.createXML(xml, 0))
        self.meter.start(f"copying {disk.target} to {pool.name()}/{name}", disk.allocation)
        volume = _copy(pool, volume_xml(name, disk.capacity, fmt), source_vol, self.meter, peek)
        self.meter.advance(disk.allocation, force=True)
        return self._made(volume)

    def _made(self, volume: libvirt.virStorageVol) -> str:
        path = str(volume.path())
        self.made.append((volume, path))
        self._making = None
        return path

    def _nvram(self) -> str:
        """Copy the UEFI variables beside the source's as NEW_VARS.fd. Their folder is seldom a
        pool: then a transient pool on it lends the storage API for the copy (as virt-clone)."""
        folder = str(PurePosixPath(self.source.nvram).parent)
        try:
            old = self.conn.storageVolLookupByPath(self.source.nvram)
            pool = old.storagePoolLookupByVolume()
        except libvirt.libvirtError:
            pool_el = ET.Element("pool", type="dir")
            ET.SubElement(pool_el, "name").text = f"tuivirt-nvram-{uuidlib.uuid4().hex[:8]}"
            ET.SubElement(ET.SubElement(pool_el, "target"), "path").text = folder
            xml = ET.tostring(pool_el, encoding="unicode")
            pool = self._nvram_pool = self.conn.storagePoolCreateXML(xml, 0)
            old = pool.storageVolLookupByName(PurePosixPath(self.source.nvram).name)
        _kind, capacity, _allocation = old.info()
        name = f"{self.request.name}_VARS.fd"
        return self._made(pool.createXMLFrom(volume_xml(name, capacity, "raw"), old, 0))

    def _definition(self, root: ET.Element, new_paths: dict[str, str], nvram: str) -> str:
        """``new_paths``: by target (vda), the new volume's path."""
        # The source's definition with the new name, no UUID and no MACs (libvirt makes new ones),
        # the new disks and UEFI variables.
        root.find("name").text = self.request.name  # type: ignore[union-attr]
        for element in (root.find("uuid"), *root.iterfind("devices/interface/mac")):
            if element is not None:
                _remove(root, element)
        for entry in root.iterfind("sysinfo/system/entry[@name='uuid']"):
            _remove(root, entry)  # SMBIOS must not repeat the source's UUID either
        linked = self.request.mode is CloneMode.LINKED
        for disk in root.iterfind("devices/disk"):
            source, target = disk.find("source"), disk.find("target")
            new = new_paths.get("" if target is None else target.get("dev", ""))
            if source is None or new is None:
                continue
            disk.set("type", "file")  # (from a pool's volume or a block device: a file of the pool now)
            source.attrib.clear()
            source.set("file", new)
            driver = disk.find("driver")
            if linked and driver is not None:
                driver.set("type", "qcow2")
            for stale in disk.findall("backingStore"):
                disk.remove(stale)
        nvram_el = root.find("os/nvram")
        if nvram and nvram_el is not None:
            nvram_el.text = nvram
        return ET.tostring(root, encoding="unicode")

    def _undo(self, exc: BaseException) -> BaseException:
        """Remove what was made (newest first); the error to raise, saying what could not go."""
        left = []
        if self._making is not None:  # the volume being copied when it failed (a daemon killed …)
            pool, pool_name, name = self._making
            try:
                pool.storageVolLookupByName(name).delete(0)
            except libvirt.libvirtError as cleanup:
                if cleanup.get_error_code() != libvirt.VIR_ERR_NO_STORAGE_VOL:  # (it never began)
                    reason = describe_error(cleanup)
                    left.append(f"{pool_name}/{name}, the copy under way ({reason}: delete it in P)")
        for volume, path in reversed(self.made):
            try:
                volume.delete(0)
            except libvirt.libvirtError as cleanup:
                left.append(f"{path} ({describe_error(cleanup)})")
        tail = f"; left behind: {', '.join(left)}" if left else "; nothing was left behind"
        if isinstance(exc, Cancelled):
            return Cancelled(f"clone of {self.source.name} cancelled{tail}")
        return RuntimeError(f"{describe_error(exc)}{tail}")


def _remove(root: ET.Element, element: ET.Element) -> None:
    for parent in root.iter():
        if element in list(parent):
            parent.remove(element)
            return


def _copy(
    pool: libvirt.virStoragePool, xml: str, source: libvirt.virStorageVol, meter: Meter, peek: Peek | None
) -> libvirt.virStorageVol:
    """createXMLFrom, the target's allocation read meanwhile for the progress bar. libvirt cannot
    stop a copy midway: a cancel waits for it to end, and the volume is removed then."""
    copying = threading.Event()
    pool_name, name = pool.name(), ET.fromstring(xml).findtext("name", "")

    def follow() -> None:
        assert peek is not None
        while not copying.wait(PEEK_EVERY):
            with contextlib.suppress(Exception):  # a volume not there yet, a busy host: next time
                allocation = peek(pool_name, name)
                if not copying.is_set():
                    meter.advance(allocation)

    if peek is not None:
        threading.Thread(target=follow, name=f"follow {name}", daemon=True).start()
    try:
        return pool.createXMLFrom(xml, source, 0)
    finally:
        copying.set()


def volume_allocation(conn: libvirt.virConnect, pool: str, name: str) -> int:
    return int(conn.storagePoolLookupByName(pool).storageVolLookupByName(name).info()[2])


def clone_guest(
    conn: libvirt.virConnect,
    source: CloneSource,
    request: CloneRequest,
    meter: Meter,
    peek: Peek | None = None,
) -> str:
    if refusal := submit_refusal(conn, source):
        raise ValueError(f"{refusal}; nothing was made")
    return Cloner(conn, source, request, meter).run(peek)
