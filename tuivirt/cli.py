"""Command line: which hosts to open, then the app."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from importlib.resources import files
from pathlib import Path

from tuivirt import __version__
from tuivirt.backend.config.load import config_path, load_config
from tuivirt.backend.live.connection import DEFAULT_URI, host_name_for
from tuivirt.backend.live.models import HostConfig


def demo_uri() -> str:
    """The test driver over the node file shipped in the package: runs with no daemon."""
    node_file = Path(str(files("tuivirt") / "data" / "demo-node.xml")).resolve()
    return f"test://{node_file}"


def _add_host_options(parser: argparse.ArgumentParser) -> None:
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
    parser.add_argument(
        "--config", metavar="PATH", type=Path, help=f"settings and hosts file (default: {config_path()})"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tuivirt",
        description="A keyboard-driven terminal console manager for KVM/QEMU virtual machines (libvirt).",
        epilog="tuivirt opens the hosts of the config file and those given with -c; with none, "
        "$LIBVIRT_DEFAULT_URI, else qemu:///system. "
        "'tuivirt list --help' prints the guests once, without the UI; 'tuivirt log --help' the event log.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    _add_host_options(parser)
    parser.add_argument("--readonly", action="store_true", help="open every connection read-only")
    parser.add_argument(
        "--refresh",
        metavar="SECONDS",
        type=float,
        help="seconds between polls (default 2, or the config file's)",
    )
    parser.add_argument(
        "--shutdown-timeout",
        metavar="SECONDS",
        type=float,
        help="seconds a shutdown may take before force off is offered (default 60)",
    )
    return parser


def build_list_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tuivirt list",
        description="Print every guest of the hosts once (two samples for the rates), then exit. "
        "Exit status 1 when a host is down.",
    )
    _add_host_options(parser)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--interval", metavar="SECONDS", type=float, default=1.0, help="seconds between the two samples (1)"
    )
    return parser


def unique_hosts(uris: list[str], known: Sequence[HostConfig] = ()) -> list[HostConfig]:
    """One host per distinct URI not in ``known``; names made unique among all (localhost, localhost-2)
    so rows can be told apart."""
    hosts: list[HostConfig] = []
    taken = {h.uri for h in known}
    for uri in dict.fromkeys(u for u in uris if u not in taken):
        base = name = "demo" if uri == demo_uri() else host_name_for(uri)
        number = 1
        while any(h.name == name for h in [*known, *hosts]):
            number += 1
            name = f"{base}-{number}"
        hosts.append(HostConfig(name, uri))
    return hosts


def hosts_from_args(args: argparse.Namespace, configured: Sequence[HostConfig] = ()) -> list[HostConfig]:
    """The config file's hosts, then those of -c and --demo (this run only); with none at all, the
    default URI. A -c URI already in the file is the file's host, connected now."""
    uris: list[str] = list(args.connect)
    if args.demo:
        uris.insert(0, demo_uri())
    hosts = [replace(h, autoconnect=True) if h.uri in uris else h for h in configured]
    if not uris and not hosts:
        uris = [os.environ.get("LIBVIRT_DEFAULT_URI") or DEFAULT_URI]
    return hosts + unique_hosts(uris, hosts)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["log"]:
        from tuivirt.log_command import run_log

        return run_log(argv[1:])
    if argv[:1] == ["list"]:
        from tuivirt.list_command import run_list

        list_args = build_list_parser().parse_args(argv[1:])
        config, warnings = load_config(list_args.config)
        for warning in warnings:
            print(f"tuivirt: {warning}", file=sys.stderr)
        hosts = [h for h in hosts_from_args(list_args, config.hosts) if h.autoconnect]  # as the app would
        try:
            return run_list(list_args, hosts)
        except BrokenPipeError:  # `tuivirt list | head`
            sys.stderr.close()
            return 0
    parser = build_parser()
    args = parser.parse_args(argv)
    for option in ("refresh", "shutdown_timeout"):
        value = getattr(args, option)
        if value is not None and value <= 0:
            parser.error(f"--{option.replace('_', '-')} must be more than 0 seconds")
    config, warnings = load_config(args.config)
    if args.shutdown_timeout is not None:
        config = replace(config, shutdown_timeout=args.shutdown_timeout)
    from tuivirt.backend.fleet.fleet import Fleet
    from tuivirt.backend.fleet.host_list import HostList

    hosts = hosts_from_args(args, config.hosts)
    saved = {h.uri for h in config.hosts}
    host_list = HostList(hosts, args.config or config_path(), saved)
    fleet = Fleet(host_list, refresh=args.refresh or config.refresh, readonly=args.readonly)
    fleet.connect_early()  # a remote host's round trips overlap loading the UI
    from tuivirt.app import TuivirtApp  # Textual loads only when the UI is wanted

    app = TuivirtApp(
        hosts,
        refresh=args.refresh,
        readonly=args.readonly,
        config=config,
        config_file=args.config or config_path(),
        saved_uris=saved,
        warnings=warnings,
        fleet=fleet,
    )
    app.run()
    return app.return_code or 0  # 1 after an internal error (the app said where its traceback is)
