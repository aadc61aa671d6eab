import xml.etree.ElementTree as ET
from pathlib import Path

from tuivirt.testbed.testguest import GuestImages, domain_xml


def test_domain_xml_boots_kernel_on_serial_console() -> None:
    images = GuestImages(Path("/cache/vmlinuz"), Path("/cache/initramfs.gz"))
    root = ET.fromstring(domain_xml("g1", images, memory_mib=96, vcpus=2))
    assert root.get("type") == "qemu"  # TCG: nested KVM fails on some hosts
    assert root.findtext("os/kernel") == "/cache/vmlinuz"
    assert root.findtext("os/initrd") == "/cache/initramfs.gz"
    assert "console=ttyS0" in (root.findtext("os/cmdline") or "")
    assert root.find("devices/serial[@type='pty']") is not None
    assert root.find("devices/console/target[@type='serial']") is not None
    assert root.find("devices/graphics") is None
    assert root.findtext("memory") == "96" and root.findtext("vcpu") == "2"


def test_domain_xml_keeps_awkward_names_intact() -> None:
    name = 'it\'s a "guest" <ünïcode> & more'
    images = GuestImages(Path("/k"), Path("/i"))
    assert ET.fromstring(domain_xml(name, images)).findtext("name") == name
