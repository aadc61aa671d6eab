"""A tiny bootable guest, built offline, for the demo and the integration tests.

The kernel comes from Debian's ``linux-image-cloud-amd64`` (``apt-get download`` and
``dpkg-deb -x``, so nothing is installed); the initramfs is ``busybox-static`` with an
``/init`` that prints a banner and runs a shell on the serial console. Guests boot it by
direct kernel boot under TCG (``type='qemu'``): nested KVM does not work on every host.
The kernel's virtio modules (block, network) go into the initramfs and are loaded at boot, so that
disks and NICs plugged into the running guest show up in it.

Run ``python -m tuivirt.testbed.testguest --help`` for the command-line use.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import libvirt

# The shell prompt of the guest: tests and the demo wait for it.
PROMPT = "tuivirt-guest# "
BANNER = "tuivirt test guest ready"
DEFAULT_CACHE = Path("/var/cache/tuivirt/testguest")
BUSYBOX = Path("/bin/busybox")
KERNEL_META_PACKAGE = "linux-image-cloud-amd64"
# Loaded in this order by /init (Debian builds them all as modules; the kernel has no depmod data here).
MODULES = (
    "virtio/virtio_ring.ko",
    "virtio/virtio.ko",
    "virtio/virtio_pci_legacy_dev.ko",
    "virtio/virtio_pci_modern_dev.ko",
    "virtio/virtio_pci.ko",
    "block/virtio_blk.ko",
    "../net/core/failover.ko",
    "net/net_failover.ko",
    "net/virtio_net.ko",
    "char/virtio_console.ko",  # virtio-serial: the guest agent's channel
)
AGENT_PACKAGE = "qemu-guest-agent"
AGENT_CHANNEL = "org.qemu.guest_agent.0"
NETWORK = "default"  # libvirt's NAT network (scripts/setup-host.sh defines and starts it)

INIT_SCRIPT = f"""#!/bin/busybox sh
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
hostname tuivirt-guest
for module in /lib/modules/*.ko; do insmod "$module"; done
# The guest agent on its virtio-serial port (no udev here: the port is found by its name).
for port in /sys/class/virtio-ports/*; do
  [ "$(cat "$port/name" 2>/dev/null)" = {AGENT_CHANNEL} ] || continue
  qemu-ga -d -m virtio-serial -p "/dev/${{port##*/}}" -f /run/qga.pid -t /run
done
# An address by DHCP, in the background: the shell does not wait for it.
ip link set lo up
if ip link show eth0 >/dev/null 2>&1; then
  ip link set eth0 up
  udhcpc -q -S -i eth0 -x hostname:tuivirt-guest -s /etc/udhcpc.script >/dev/null 2>&1 &
fi
export HOME=/root PS1='{PROMPT}'
echo
echo "{BANNER}: kernel $(uname -r)"
# Lines typed on the guest's keyboard (libvirt's sendKey, `V`) are run, their output on the serial
# line, where the tests read it. Not an interactive shell: no prompt or banner on the serial line.
(while read -r line </dev/tty1; do eval "$line" >/dev/ttyS0 2>&1; done) &
# cttyhack gives the shell the serial line as its controlling terminal (job control, ^C).
while true; do setsid cttyhack sh; done
"""


@dataclass(frozen=True)
class GuestImages:
    """The two files a test guest boots from."""

    kernel: Path
    initrd: Path


def cache_dir() -> Path:
    """Where the images live: ``$TUIVIRT_CACHE`` or /var/cache/tuivirt/testguest.

    The folder must be readable by the ``libvirt-qemu`` user, which /work or /root may not be.
    """
    return Path(os.environ.get("TUIVIRT_CACHE", DEFAULT_CACHE))


def _run(args: list[str], cwd: Path | None = None) -> str:
    result = subprocess.run(args, cwd=cwd, check=True, capture_output=True, text=True)
    return result.stdout


def _kernel_package() -> str:
    """The versioned kernel package the meta package points at (linux-image-6.1.0-N-cloud-amd64)."""
    out = _run(["apt-cache", "depends", KERNEL_META_PACKAGE])
    match = re.search(r"Depends:\s+(linux-image-\S+)", out)
    if not match:
        raise RuntimeError(f"apt-cache names no kernel for {KERNEL_META_PACKAGE} (run apt-get update)")
    return match.group(1)


def _fetch_kernel(dest: Path, modules: Path) -> None:
    """The kernel to ``dest``, and the MODULES (numbered in load order) into the folder ``modules``."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        work.chmod(0o777)  # apt-get download drops privileges to _apt when it can
        _run(["apt-get", "download", "-q", _kernel_package()], cwd=work)
        debs = list(work.glob("*.deb"))
        if len(debs) != 1:
            raise RuntimeError(f"apt-get download gave {len(debs)} packages, expected 1")
        _run(["dpkg-deb", "-x", str(debs[0]), str(work / "root")])
        kernels = sorted((work / "root" / "boot").glob("vmlinuz-*"))
        if not kernels:
            raise RuntimeError(f"{debs[0].name} holds no /boot/vmlinuz-*")
        drivers = next((work / "root" / "lib" / "modules").glob("*/kernel/drivers"))
        staging = modules.with_suffix(".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir()
        for number, module in enumerate(MODULES):
            shutil.copyfile(drivers / module, staging / f"{number:02d}-{Path(module).name}")
        shutil.rmtree(modules, ignore_errors=True)
        staging.replace(modules)
        shutil.copyfile(kernels[-1], dest.with_suffix(".tmp"))
        dest.with_suffix(".tmp").replace(dest)


# What udhcpc runs on a lease: set the address and the default route.
UDHCPC_SCRIPT = """#!/bin/sh
case "$1" in
  bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/${mask:-24}" dev "$interface"
    [ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
    ;;
esac
exit 0
"""
# qemu-ga shuts down and reboots through /sbin/shutdown, which busybox does not have.
SHUTDOWN_SCRIPT = """#!/bin/sh
case " $* " in *" -r "*) exec reboot -f ;; *) exec poweroff -f ;; esac
"""
# qemu-ga's set-user-password pipes "user:password" into chpasswd (-e: already hashed), which
# busybox-static lacks: this one hashes with busybox's mkpasswd and writes /etc/shadow.
CHPASSWD_SCRIPT = """#!/bin/sh
[ "$1" = -e ] && hashed=1
while IFS=: read -r user password; do
  [ -n "$hashed" ] || password=$(mkpasswd -m sha512 "$password") || exit 1
  sed -i "s|^$user:[^:]*:|$user:$password:|" /etc/shadow || exit 1
done
"""
GUEST_FILES = {
    "etc/passwd": "root:x:0:0:root:/root:/bin/sh\n",
    "etc/shadow": "root:*:19000:0:99999:7:::\n",  # qemu-ga's set-user-password runs chpasswd on it
    "etc/group": "root:x:0:\n",
    "etc/os-release": 'NAME="tuivirt test guest"\nID=tuivirt\nVERSION_ID=1\n'
    'PRETTY_NAME="tuivirt test guest 1"\n',
    "etc/udhcpc.script": UDHCPC_SCRIPT,
    "sbin/shutdown": SHUTDOWN_SCRIPT,
    "usr/sbin/chpasswd": CHPASSWD_SCRIPT,
}


def _fetch_agent(dest: Path) -> None:
    """qemu-ga from Debian's package (downloaded, not installed) and the libraries it needs, as the
    host has them (ldd), into the folder ``dest`` laid out as the guest's root."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        work.chmod(0o777)
        _run(["apt-get", "download", "-q", AGENT_PACKAGE], cwd=work)
        deb = next(work.glob("*.deb"))
        _run(["dpkg-deb", "-x", str(deb), str(work / "root")])
        binary = work / "root" / "usr" / "sbin" / "qemu-ga"
        staging = dest.with_suffix(".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "usr" / "sbin").mkdir(parents=True)
        shutil.copy2(binary, staging / "usr" / "sbin" / "qemu-ga")
        for line in _run(["ldd", str(binary)]).splitlines():
            if "not found" in line:
                raise RuntimeError(f"qemu-ga needs a library this host lacks: {line.strip()}")
            match = re.search(r"(/\S+)", line)
            if match:
                library = Path(match.group(1))
                target = staging / library.relative_to("/")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(library.resolve(), target)
        shutil.rmtree(dest, ignore_errors=True)
        staging.replace(dest)


def _build_initramfs(dest: Path, modules: Path, agent: Path) -> None:
    if not BUSYBOX.exists():
        raise RuntimeError(f"{BUSYBOX} is missing: install busybox-static")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for sub in ("bin", "sbin", "usr/bin", "usr/sbin", "proc", "sys", "dev", "tmp", "root", "etc", "run"):
            (root / sub).mkdir(parents=True)
        shutil.copytree(agent, root, dirs_exist_ok=True)
        shutil.copytree(modules, root / "lib" / "modules")
        for name, text in GUEST_FILES.items():
            (root / name).write_text(text)
            (root / name).chmod(0o755 if "sbin/" in name or name.endswith(".script") else 0o644)
        shutil.copy2(BUSYBOX, root / "bin" / "busybox")
        init = root / "init"
        init.write_text(INIT_SCRIPT)
        init.chmod(0o755)
        names = sorted(str(p.relative_to(root)) for p in root.rglob("*"))
        archive = subprocess.run(
            ["cpio", "--quiet", "-o", "-H", "newc"],
            cwd=root,
            input="\n".join(names).encode(),
            check=True,
            capture_output=True,
        ).stdout
    tmp_dest = dest.with_suffix(".tmp")
    tmp_dest.write_bytes(gzip.compress(archive))
    tmp_dest.replace(dest)


def build(cache: Path | None = None) -> GuestImages:
    """Make the kernel and initramfs once; later calls return the cached files."""
    folder = cache or cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    # (a new name when /init or its files change: a cache from before is not taken for this one)
    images = GuestImages(kernel=folder / "vmlinuz", initrd=folder / "initramfs-agent4.gz")
    modules, agent = folder / "modules-agent", folder / "agent"
    if not images.kernel.exists() or not modules.is_dir():
        _fetch_kernel(images.kernel, modules)
    if not agent.is_dir():
        _fetch_agent(agent)
    if not images.initrd.exists():
        _build_initramfs(images.initrd, modules, agent)
    # qemu runs as libvirt-qemu: every folder on the way and both files must be readable.
    for path in (images.kernel, images.initrd):
        path.chmod(0o644)
    for parent in [folder, *folder.parents]:
        if parent == Path("/"):
            break
        parent.chmod(parent.stat().st_mode | 0o005)
    return images


def domain_xml(
    name: str,
    images: GuestImages,
    memory_mib: int = 128,
    vcpus: int = 1,
    disk: str | None = None,
    network: str | None = NETWORK,
    video: bool = False,
) -> str:
    """Domain XML that boots the test guest with a pty serial console, the guest agent's channel,
    a NIC on ``network`` (None: no NIC) and no graphics, or with ``video`` a VGA card (the kernel's
    text on it too) and a VNC display on 127.0.0.1.

    ``disk``: a qcow2 file attached as vda (the guest boots without it; it is there to be deleted).
    """
    domain = ET.Element("domain", type="qemu")
    ET.SubElement(domain, "name").text = name
    ET.SubElement(domain, "memory", unit="MiB").text = str(memory_mib)
    ET.SubElement(domain, "vcpu").text = str(vcpus)
    os_el = ET.SubElement(domain, "os")
    ET.SubElement(os_el, "type", arch="x86_64").text = "hvm"
    ET.SubElement(os_el, "kernel").text = str(images.kernel)
    ET.SubElement(os_el, "initrd").text = str(images.initrd)
    # The last console= is /dev/console (the serial line); tty0 shows the kernel's text on the VGA.
    ET.SubElement(os_el, "cmdline").text = "console=tty0 console=ttyS0" if video else "console=ttyS0 quiet"
    features = ET.SubElement(domain, "features")
    ET.SubElement(features, "acpi")
    devices = ET.SubElement(domain, "devices")
    if disk is not None:
        disk_el = ET.SubElement(devices, "disk", type="file", device="disk")
        ET.SubElement(disk_el, "driver", name="qemu", type="qcow2")
        ET.SubElement(disk_el, "source", file=disk)
        ET.SubElement(disk_el, "target", dev="vda", bus="virtio")
    if network:
        interface = ET.SubElement(devices, "interface", type="network")
        ET.SubElement(interface, "source", network=network)
        ET.SubElement(interface, "model", type="virtio")
    channel = ET.SubElement(devices, "channel", type="unix")
    ET.SubElement(channel, "target", type="virtio", name=AGENT_CHANNEL)
    serial = ET.SubElement(devices, "serial", type="pty")
    ET.SubElement(serial, "target", port="0")
    console = ET.SubElement(devices, "console", type="pty")
    ET.SubElement(console, "target", type="serial", port="0")
    if video:
        ET.SubElement(ET.SubElement(devices, "video"), "model", type="vga")
        ET.SubElement(devices, "graphics", type="vnc", autoport="yes", listen="127.0.0.1")
    return ET.tostring(domain, encoding="unicode")


def define(
    conn: libvirt.virConnect,
    name: str,
    images: GuestImages | None = None,
    disk: str | None = None,
    network: str | None = NETWORK,
    video: bool = False,
) -> libvirt.virDomain:
    """Define (not start) a persistent test guest called ``name``."""
    return conn.defineXML(domain_xml(name, images or build(), disk=disk, network=network, video=video))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tuivirt.testbed.testguest", description="Build and define the tuivirt test guest."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("build", help="make the kernel and initramfs in the cache folder")
    define_cmd = sub.add_parser("define", help="define a guest that boots the images (idempotent)")
    define_cmd.add_argument("name")
    define_cmd.add_argument("-c", "--connect", default="qemu:///system", help="libvirt URI")
    define_cmd.add_argument("--start", action="store_true", help="start it too, unless running")
    define_cmd.add_argument("--video", action="store_true", help="with a VGA card and VNC (for V)")
    args = parser.parse_args(argv)

    images = build()
    if args.command == "build":
        print(f"kernel {images.kernel}\ninitrd {images.initrd}")
        return 0
    libvirt.registerErrorHandler(lambda *_: None, None)  # a guest not found yet is no error here
    conn = libvirt.open(args.connect)
    try:
        try:
            dom = conn.lookupByName(args.name)
        except libvirt.libvirtError:
            dom = define(conn, args.name, images, video=args.video)
            print(f"defined {args.name} on {args.connect}")
        if args.start and not dom.isActive():
            dom.create()
            print(f"started {args.name}")
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
