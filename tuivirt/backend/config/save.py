"""Writing the hosts back to config.toml: every other setting and comment kept, written atomically.

tomllib only reads; tomlkit edits a TOML document in place, so the user's comments, order and
other settings survive. The file is written beside the old one and renamed over it, so a crash
or a full disk leaves the old file whole.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Table, Whitespace

from tuivirt.backend.live.models import HostConfig


class ConfigSaveError(Exception):
    """The file cannot be saved; the message says why, and the file is untouched."""


def _host_table(host: HostConfig, table: Table | None) -> Table:
    """The host's table: the user's old one (with its comments) updated, or a new one."""
    if table is None:
        table = tomlkit.table()
    table["name"] = host.name
    table["uri"] = host.uri
    table["connect"] = host.autoconnect
    return table


def _drop_trailing_blank_lines(table: Table) -> None:
    body = table.value.body
    while body and body[-1][0] is None and isinstance(body[-1][1], Whitespace):
        body.pop()


def _parse_with_hosts(text: str) -> tomlkit.TOMLDocument:
    """``text`` parsed, with a [[hosts]] array of tables to edit in place (added at the end when
    the file has none: tomlkit spaces an array it parsed as it was written, a new one its own way)."""
    try:
        document = tomlkit.parse(text)
        if not isinstance(document.get("hosts"), AoT):
            if "hosts" in document:
                document.remove("hosts")
            head = tomlkit.dumps(document).rstrip("\n")
            document = tomlkit.parse(f"{head}\n\n[[hosts]]\n" if head else "[[hosts]]\n")
    except TOMLKitError as exc:
        raise ConfigSaveError(f"it has an error ({exc}); fix it first, it was left as it is") from exc
    return document


def hosts_document(text: str, hosts: Sequence[HostConfig]) -> str:
    """``text`` with its [[hosts]] replaced by ``hosts``; a host's old table is matched by URI.

    The array keeps its place in the file and each old table its comments; host tables are
    separated by one blank line, as a person would write them.
    """
    document = _parse_with_hosts(text)
    array = document["hosts"]
    assert isinstance(array, AoT)
    old_tables = {t.get("uri"): t for t in array if isinstance(t, Table)}
    tables = [_host_table(h, old_tables.get(h.uri)) for h in hosts]
    if not tables:
        document.remove("hosts")
        return tomlkit.dumps(document)
    keys = [key for key, _item in document.body if key is not None]
    followed = keys[-1] != "hosts"  # another table comes after the hosts
    while len(array):
        array.pop(0)
    for number, table in enumerate(tables, 1):
        _drop_trailing_blank_lines(table)
        if number < len(tables) or followed:
            table.add(tomlkit.nl())
        array.append(table)
    return tomlkit.dumps(document)


def save_hosts(path: Path, hosts: Sequence[HostConfig]) -> None:
    """Write ``hosts`` into the config file at ``path`` (made if missing), atomically."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        text = ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigSaveError(f"cannot read {path}: {exc}") from exc
    new_text = hosts_document(text, hosts)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
        fd, temp_name = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    except OSError as exc:
        raise ConfigSaveError(f"cannot write beside {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(fd, "w") as temp:
            temp.write(new_text)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise ConfigSaveError(f"cannot write {path}: {exc.strerror or exc}") from exc
