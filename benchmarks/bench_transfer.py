"""Upload and download through the libvirt connection: tuivirt's streams against `virsh
vol-upload` / `vol-download` (the baseline an admin has today), on a dense and a sparse image.

Each run uploads a local file into a new volume of the tests' pool on ``--uri`` (default
qemu:///system) and downloads it back, timed from the call to the file being whole; the median of
``--runs`` runs of each, and the bytes the host's file ends up holding on disk (sparse stays sparse).
Volumes and files are removed afterwards.

    .venv/bin/python benchmarks/bench_transfer.py [--uri qemu:///system] [--runs 5] [--mib 512]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import libvirt
from benchlib import md_table, median, source_note

from tuivirt.backend.ops.common.progress import Meter
from tuivirt.backend.ops.common.volumes import volume_xml
from tuivirt.backend.ops.storage.transfer import UploadRequest, download, upload

POOL = "tuivirt-test"
POOL_PATH = "/var/lib/tuivirt/test-pool"


def make_images(folder: Path, mib: int) -> dict[str, Path]:
    """dense: ``mib`` MiB of data; sparse: a quarter data, half a hole, a quarter data."""
    chunk = os.urandom(1 << 20)
    dense, sparse = folder / "dense.img", folder / "sparse.img"
    with open(dense, "wb") as file:
        for _ in range(mib):
            file.write(chunk)
    with open(sparse, "wb") as file:
        for _ in range(mib // 4):
            file.write(chunk)
        file.seek((mib // 2) << 20, os.SEEK_CUR)
        for _ in range(mib // 4):
            file.write(chunk)
    return {"dense": dense, "sparse": sparse}


def pool_of(conn: libvirt.virConnect) -> libvirt.virStoragePool:
    try:
        pool = conn.storagePoolLookupByName(POOL)
    except libvirt.libvirtError:
        xml = f"<pool type='dir'><name>{POOL}</name><target><path>{POOL_PATH}</path></target></pool>"
        pool = conn.storagePoolDefineXML(xml, 0)
        pool.build(0)
    if not pool.isActive():
        pool.create(0)
    return pool


def timed(work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def virsh(uri: str, *args: str) -> None:
    subprocess.run(["virsh", "-q", "-c", uri, *args], check=True, capture_output=True)


def run(uri: str, image: Path, folder: Path, way: str) -> tuple[float, float, int]:
    """One upload and one download of ``image`` by ``way`` (tuivirt or virsh): their seconds, and
    the bytes the volume holds on the host's disk."""
    conn = libvirt.open(uri)
    pool = pool_of(conn)
    name = f"bench-{way}-{image.stem}.img"
    back = folder / f"back-{way}-{image.stem}"
    size = image.stat().st_size
    try:
        if way == "tuivirt":
            request = UploadRequest(POOL, str(image), name, True)
            up = timed(lambda: upload(conn, request, Meter(lambda p: None)))
            down = timed(lambda: download(conn, POOL, name, str(back), Meter(lambda p: None)))
        else:  # an admin's way today: make the volume, then vol-upload (--sparse: holes as holes)
            pool.createXML(volume_xml(name, size, "raw"), 0)
            up = timed(lambda: virsh(uri, "vol-upload", "--sparse", name, str(image), "--pool", POOL))
            down = timed(lambda: virsh(uri, "vol-download", "--sparse", name, str(back), "--pool", POOL))
        volume = pool.storageVolLookupByName(name)
        on_disk = int(volume.info()[2])
        if back.read_bytes() != image.read_bytes():
            sys.exit(f"{way}: {image.name} did not come back byte-identical")
        return up, down, on_disk
    finally:
        with contextlib.suppress(libvirt.libvirtError):
            pool.storageVolLookupByName(name).delete(0)
        back.unlink(missing_ok=True)
        conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uri", default="qemu:///system")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--mib", type=int, default=512)
    args = parser.parse_args()
    print(source_note())
    rows = []
    with tempfile.TemporaryDirectory(dir="/var/tmp") as directory:
        folder = Path(directory)
        for kind, image in make_images(folder, args.mib).items():
            for way in ("virsh", "tuivirt"):
                results = [run(args.uri, image, folder, way) for _ in range(args.runs)]
                ups, downs = [r[0] for r in results], [r[1] for r in results]
                mib = image.stat().st_size / (1 << 20)
                rows.append(
                    (
                        f"{kind} {mib:.0f} MiB",
                        "virsh vol-upload/-download --sparse" if way == "virsh" else "tuivirt (u / D)",
                        f"{median(ups):.2f} s ({mib / median(ups):.0f} MiB/s)",
                        f"{median(downs):.2f} s ({mib / median(downs):.0f} MiB/s)",
                        f"{results[-1][2] >> 20} MiB",
                    )
                )
    print(f"\n{args.uri}, median of {args.runs} runs each:\n")
    print(md_table(("image", "way", "upload", "download", "on the host's disk"), rows))


if __name__ == "__main__":
    main()
