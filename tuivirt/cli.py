"""Command line: which hosts to open, then the app."""

from __future__ import annotations

import argparse
import os
from importlib.resources import files
from pathlib import Path

from tuivirt import __version__
from tuivirt.backend.connection import DEFAULT_URI, host_name_for
from tuivirt.backend.models import HostConfig


def demo_uri() -> str:
    """The test driver over the node file shipped in the package: runs with no daemon."""
    node_file = Path(str(files("tuivirt") / "data" / "demo-node.xml")).resolve()
    return f"test://{node_file}"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tuivirt",
        description="A keyboard-driven terminal console manager for KVM/QEMU virtual machines (libvirt).",
        epilog="Without -c, tuivirt opens $LIBVIRT_DEFAULT_URI, else qemu:///system.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-c",
        "--connect",
        metavar="URI",
        action="append",
        default=[],
        help="libvirt URI to open, e.g. qemu:///system or qemu+ssh://root@host/system (repeatable)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open libvirt's test driver with a built-in demo host (no daemon needed)",
    )
    parser.add_argument("--readonly", action="store_true", help="open every connection read-only")
    parser.add_argument(
        "--refresh", metavar="SECONDS", type=float, default=2.0, help="seconds between polls (default 2)"
    )
    return parser


def hosts_from_args(args: argparse.Namespace) -> list[HostConfig]:
    uris: list[str] = list(args.connect)
    if args.demo:
        return [HostConfig("demo", demo_uri()), *(HostConfig(host_name_for(u), u) for u in uris)]
    if not uris:
        uris = [os.environ.get("LIBVIRT_DEFAULT_URI") or DEFAULT_URI]
    return [HostConfig(host_name_for(uri), uri) for uri in uris]


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.refresh <= 0:
        build_parser().error("--refresh must be more than 0 seconds")
    from tuivirt.app import TuivirtApp  # Textual loads only when the UI is wanted

    TuivirtApp(hosts_from_args(args), refresh=args.refresh, readonly=args.readonly).run()
    return 0
