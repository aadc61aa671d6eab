"""The new-guest form's fields: one row each (label, field, its reason), and which show when."""

from __future__ import annotations

from collections.abc import Iterator

from textual.containers import Horizontal
from textual.widgets import Input

from tuivirt.backend.ops.common.host_offer import DISK_BUSES, DISK_FORMATS, NIC_MODELS
from tuivirt.backend.ops.create.guest_spec import DiskMode, Firmware, Graphics, InstallMode, NetMode
from tuivirt.ui.shared.form_rows import options, row
from tuivirt.ui.shared.plain import PlainCheckbox, PlainSelect

# Which fields show for which choice: (selector of the choosing Select, its value) -> field ids.
DEPENDENT: dict[str, dict[str, tuple[str, ...]]] = {
    "disk_mode": {
        DiskMode.NEW: ("disk_pool", "disk_gib", "disk_format", "disk_bus"),
        DiskMode.EXISTING: ("disk_path", "disk_bus"),
        DiskMode.NONE: (),
    },
    "install": {
        InstallMode.CDROM: ("iso_path",),
        InstallMode.IMPORT: (),
        InstallMode.KERNEL: ("kernel", "initrd", "cmdline"),
        InstallMode.PXE: (),
    },
    "net_mode": {
        NetMode.NETWORK: ("network", "nic_model"),
        NetMode.BRIDGE: ("bridge", "nic_model"),
        NetMode.NONE: (),
    },
}
ALL_DEPENDENT = {f for choices in DEPENDENT.values() for fields in choices.values() for f in fields}


def form_rows(hosts: list[tuple[str, str]], host_uri: str) -> Iterator[Horizontal]:
    """Every field, in the order of the form; the host's own choices are filled in later."""
    yield row("Host", "host", PlainSelect(hosts, value=host_uri, allow_blank=False))
    yield row("Name", "name", Input(placeholder="letters, digits, - _ ."))
    yield row(
        "OS variant",
        "os_variant",
        Input("generic"),
    )
    yield row("Memory", "memory", Input("1024", placeholder="MiB, or 2G"))
    yield row("vCPUs", "vcpus", Input("1"))
    yield row("Virtualisation", "virt_type", PlainSelect([], allow_blank=True))
    yield row("Architecture", "arch", PlainSelect([], allow_blank=True))
    yield row("Machine", "machine", PlainSelect([], prompt="default", allow_blank=True))
    yield row(
        "Firmware",
        "firmware",
        PlainSelect(options(Firmware), value=Firmware.BIOS.value, allow_blank=False),
    )
    yield row(
        "Disk", "disk_mode", PlainSelect(options(DiskMode), value=DiskMode.NEW.value, allow_blank=False)
    )
    yield row("  pool", "disk_pool", PlainSelect([], allow_blank=True))
    yield row("  size GiB", "disk_gib", Input("10"))
    yield row("  format", "disk_format", PlainSelect(options(DISK_FORMATS), value="qcow2", allow_blank=False))
    yield row("  path", "disk_path", Input(placeholder="/var/lib/libvirt/images/disk.qcow2"))
    yield row("  bus", "disk_bus", PlainSelect(options(DISK_BUSES), value="virtio", allow_blank=False))
    yield row(
        "Install from",
        "install",
        PlainSelect(options(InstallMode), value=InstallMode.CDROM.value, allow_blank=False),
    )
    yield row("  ISO", "iso_path", Input(placeholder="path of the ISO on the host"))
    yield row("  kernel", "kernel", Input(placeholder="/path/to/vmlinuz"))
    yield row("  initrd", "initrd", Input(placeholder="optional"))
    yield row("  command line", "cmdline", Input("console=ttyS0"))
    yield row(
        "Network",
        "net_mode",
        PlainSelect(options(NetMode), value=NetMode.NETWORK.value, allow_blank=False),
    )
    yield row("  network", "network", PlainSelect([], allow_blank=True))
    yield row("  bridge", "bridge", Input(placeholder="br0"))
    yield row("  NIC model", "nic_model", PlainSelect(options(NIC_MODELS), value="virtio", allow_blank=False))
    yield row(
        "Graphics",
        "graphics",
        PlainSelect(options(Graphics), value=Graphics.NONE.value, allow_blank=False),
    )
    yield row("Autostart", "autostart", PlainCheckbox("start with the host"))
    yield row("Start", "start", PlainCheckbox("start after creation", value=True))
    yield row("Console", "open_console", PlainCheckbox("open its console at once"))
