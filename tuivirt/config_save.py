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
from tomlkit.items import AoT, Table

from tuivirt.backend.models import HostConfig


class ConfigSaveError(Exception):
    """The file cannot be saved; the message says why, and the file is untouched."""


def _host_table(host: HostConfig, table: Table | None) -> Table:
    """The host's table: the user's old one (with its comments) updated, or a new one."""
    new = table is None
    if table is None:
        table = tomlkit.table()
    table["name"] = host.name
    table["uri"] = host.uri
    table["connect"] = host.autoconnect
    if new:
        table.add(tomlkit.nl())  # a blank line before whatever follows, as a person would write it
    return table


def hosts_document(text: str, hosts: Sequence[HostConfig]) -> str:
    """``text`` with its [[hosts]] replaced by ``hosts``; a host's old table is matched by URI."""
    try:
        document = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigSaveError(f"it has an error ({exc}); fix it first, it was left as it is") from exc
    old = document.get("hosts")
    old_tables = {t.get("uri"): t for t in old if isinstance(t, Table)} if isinstance(old, AoT) else {}
    tables = [_host_table(h, old_tables.get(h.uri)) for h in hosts]
    if isinstance(old, AoT):
        # Edit the array in place: it keeps its place in the file and its comments.
        while len(old):
            old.pop(0)
        for table in tables:
            old.append(table)
    else:
        if "hosts" in document:
            document.remove("hosts")
        document.append("hosts", tomlkit.aot())
        for table in tables:
            document["hosts"].append(table)
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
