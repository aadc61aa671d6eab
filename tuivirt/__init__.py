"""tuivirt: a keyboard-driven terminal console manager for KVM/QEMU virtual machines."""

__version__ = "0.1.0"
