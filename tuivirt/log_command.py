"""`tuivirt log`: the event log for scripts, oldest first, as a table or JSON lines."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
from dataclasses import asdict
from datetime import datetime

from tuivirt.backend.eventlog.store import Event, EventStore
from tuivirt.format import printable


def build_log_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tuivirt log", description="Print tuivirt's event log, then exit.")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--since",
        metavar="TIME",
        help="only events since TIME: ISO 8601 (2026-12-01T08:00) or a span back from now (90s, 15m, 2h, 3d)",
    )
    parser.add_argument("--host", metavar="NAME", help="only this host's events")
    return parser


def since_epoch(text: str, now: float) -> float:
    """'15m' -> now - 900; '2026-12-01T08:00' -> its epoch (local time); ValueError otherwise."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    if text[-1:] in units and text[:-1].isdigit():
        return now - int(text[:-1]) * units[text[-1]]
    return datetime.fromisoformat(text).timestamp()


def run_log(argv: list[str], store: EventStore | None = None, now: float | None = None) -> int:
    parser = build_log_parser()
    args = parser.parse_args(argv)
    try:
        since = since_epoch(args.since, now or time.time()) if args.since else None
    except ValueError:
        parser.error(f"--since {args.since!r}: not a time (2026-12-01T08:00) nor a span (15m)")
    store = store or EventStore()
    events = [
        e
        for e in store.load()
        if (since is None or e.at >= since) and (args.host is None or e.host == args.host)
    ]
    if store.problem:
        print(f"tuivirt: {store.problem}", file=sys.stderr)
    try:
        for event in sorted(events, key=lambda e: e.at):  # (load() sorts too: a guard for the order)
            print(_json(event) if args.json else _row(event))
        sys.stdout.flush()
    except BrokenPipeError:  # `tuivirt log | head`: quiet, as cat is
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # (no error at exit)
    return 0


def _json(event: Event) -> str:
    """One JSON object; every character outside ASCII escaped, so a terminal gets no control
    character (JSON escapes C0 itself; C1 and U+202E need ensure_ascii)."""
    return json.dumps(asdict(event), separators=(",", ":"))


def _row(event: Event) -> str:
    when = datetime.fromtimestamp(event.at).strftime("%Y-%m-%d %H:%M:%S")
    guest = printable(event.guest) or "-"
    text = printable(f"{event.text} ({event.user})" if event.user else event.text)
    return f"{when}  {printable(event.host):<12} {guest:<20} {printable(event.kind):<10} {text}"
