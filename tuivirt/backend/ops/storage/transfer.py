"""Bytes in and out of volumes over the libvirt connection itself (virsh vol-upload and
vol-download): no scp, and it works the same over qemu+ssh://. Holes travel as holes, so a sparse
image neither grows on the host nor fills the link with zeros. Partial results are removed."""

from __future__ import annotations

import contextlib
import errno
import os
from dataclasses import dataclass

import libvirt

from tuivirt.backend.live.connection import describe_error
from tuivirt.backend.ops.common.progress import Cancelled, Meter
from tuivirt.backend.ops.common.volumes import volume_xml
from tuivirt.backend.ops.storage.pools import POOL_NAME
from tuivirt.backend.ops.storage.volumes import VolumeInfo
from tuivirt.format import format_bytes

# libvirt's RPC carries at most 256 KiB of stream data a message: bigger sends are split and copied,
# which halved the upload rate (benchmarks/bench_transfer.py: 1 MiB 451 MiB/s, 256 KiB 830).
CHUNK = 256 * 1024


@dataclass(frozen=True)
class UploadRequest:
    pool: str
    source: str  # a local file
    volume: str
    new: bool  # a new raw volume the size of the file; else the existing volume is overwritten


def local_file_size(path: str) -> tuple[int | None, str]:
    """The size of a readable local file, or why it will not do."""
    if not path:
        return None, "a file on this machine"
    if not os.path.exists(path):
        return None, "no such file"
    if not os.path.isfile(path):
        return None, "not a regular file"
    if not os.access(path, os.R_OK):
        return None, "not readable"
    return os.path.getsize(path), ""


def check_upload(request: UploadRequest, volumes: dict[str, VolumeInfo], available: int) -> dict[str, str]:
    errors = {}
    size, why = local_file_size(request.source)
    if why:
        errors["source"] = why
    existing = volumes.get(request.volume)
    if request.new:
        if not POOL_NAME.match(request.volume):
            errors["volume"] = "letters, digits and _ . + - (no /)"
        elif existing is not None:
            errors["volume"] = "taken: choose another name, or the existing volume"
        elif size is not None and size > available:
            free = format_bytes(available)
            errors["volume"] = f"the file is {format_bytes(size)}, the pool has {free} free"
    elif existing is None:
        errors["volume"] = "no such volume in this pool"
    elif existing.running_users:
        errors["volume"] = f"open in running {', '.join(existing.running_users)}"
    elif size is not None and size > existing.capacity:
        errors["volume"] = f"holds {format_bytes(existing.capacity)}, the file is {format_bytes(size)}"
    return errors


def _send_file(stream: libvirt.virStream, file: int, size: int, meter: Meter) -> None:
    """Data as data, holes (SEEK_HOLE) as holes."""
    position = 0
    while position < size:
        meter.check()
        try:
            data = os.lseek(file, position, os.SEEK_DATA)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: only a hole is left
                raise
            data = size
        if data > position:
            stream.sendHole(data - position, 0)
            position = data
            meter.advance(position)
            continue
        hole = min(os.lseek(file, position, os.SEEK_HOLE), size)
        while position < hole:
            meter.check()
            chunk = os.pread(file, min(CHUNK, hole - position), position)
            if not chunk:
                raise OSError(f"the file ended at {position} bytes, {size} expected")
            sent = 0
            while sent < len(chunk):
                sent += stream.send(chunk[sent:])
            position += len(chunk)
            meter.advance(position)


def upload(conn: libvirt.virConnect, request: UploadRequest, meter: Meter) -> str:
    size, why = local_file_size(request.source)
    if size is None:
        raise ValueError(f"{request.source}: {why}")
    file = os.open(request.source, os.O_RDONLY)  # before the volume exists: an unreadable file makes nothing
    pool = conn.storagePoolLookupByName(request.pool)
    made = None
    try:
        if request.new:
            made = volume = pool.createXML(volume_xml(request.volume, size, "raw"), 0)
        else:
            volume = pool.storageVolLookupByName(request.volume)
        stream = conn.newStream(0)
        volume.upload(stream, 0, size, libvirt.VIR_STORAGE_VOL_UPLOAD_SPARSE_STREAM)
        meter.start(f"uploading {os.path.basename(request.source)}", size)
        try:
            _send_file(stream, file, size, meter)
            stream.finish()
        except BaseException:
            with contextlib.suppress(libvirt.libvirtError):
                stream.abort()
            raise
    except BaseException as exc:
        raise _failed(exc, made, request) from exc
    finally:
        os.close(file)
    return f"{request.source} ({format_bytes(size)}) uploaded into {request.pool}/{request.volume}"


def _failed(exc: BaseException, made: libvirt.virStorageVol | None, request: UploadRequest) -> BaseException:
    """The error to raise after a failed or cancelled upload, once its new volume is gone."""
    what = "cancelled" if isinstance(exc, Cancelled) else describe_error(exc)
    if made is None:
        left = "" if request.new else f"; {request.volume} holds a partial copy now"
        return Cancelled(f"upload {what}{left}") if isinstance(exc, Cancelled) else RuntimeError(what + left)
    try:
        made.delete(0)
        left = f"; the new volume {request.volume} was removed"
    except libvirt.libvirtError as cleanup:
        left = (
            f"; the partial volume {request.pool}/{request.volume} is left on the host "
            f"({describe_error(cleanup)}): delete it in storage (P)"
        )
    return Cancelled(f"upload {what}{left}") if isinstance(exc, Cancelled) else RuntimeError(what + left)


def check_download(path: str) -> str:
    if not path:
        return "a file name on this machine"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"no folder {folder}"
    if not os.access(folder, os.W_OK):
        return f"cannot write in {folder}"
    if os.path.exists(path):
        return "exists: choose another name"
    return ""


def _receive_file(stream: libvirt.virStream, file: int, meter: Meter) -> int:
    """Data written, holes skipped (the file stays sparse); the length received."""
    position = 0
    while True:
        meter.check()
        got = stream.recvFlags(CHUNK, libvirt.VIR_STREAM_RECV_STOP_AT_HOLE)
        if got == -3:  # a hole
            position += stream.recvHole(0)
        elif isinstance(got, bytes) and got:
            os.pwrite(file, got, position)
            position += len(got)
        else:
            break
        meter.advance(position)
    os.ftruncate(file, position)
    return position


def download(conn: libvirt.virConnect, pool_name: str, name: str, path: str, meter: Meter) -> str:
    """Into ``path``.part, renamed to ``path`` once whole; the part file goes on failure."""
    volume = conn.storagePoolLookupByName(pool_name).storageVolLookupByName(name)
    size = volume.infoFlags(libvirt.VIR_STORAGE_VOL_GET_PHYSICAL)[2]  # the file's length on the host
    part = path + ".part"
    # 0600, the .part too: a copy of a guest's disk is as private as the volume (0600 on the host).
    file = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    stream = conn.newStream(0)
    try:
        try:
            volume.download(stream, 0, 0, libvirt.VIR_STORAGE_VOL_DOWNLOAD_SPARSE_STREAM)
            meter.start(f"downloading {name}", size)
            position = _receive_file(stream, file, meter)
            stream.finish()
        finally:
            os.close(file)
    except BaseException as exc:
        with contextlib.suppress(libvirt.libvirtError):
            stream.abort()
        os.unlink(part)
        if isinstance(exc, Cancelled):
            raise Cancelled("download cancelled; the partial file was removed") from exc
        raise RuntimeError(f"{describe_error(exc)}; the partial file was removed") from exc
    os.replace(part, path)
    return f"{pool_name}/{name} ({format_bytes(position)}) downloaded to {path}"
