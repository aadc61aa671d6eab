"""The user's settings: $XDG_CONFIG_HOME/tuivirt/config.toml (read with tomllib; see config_save).

refresh = 2                  # seconds between polls
shutdown_timeout = 60        # seconds before a shutdown the guest ignores offers force off
console_detach = "ctrl+b"    # key that detaches the console pane (default: Ctrl+] and F12)

[[hosts]]                    # one table per host, in the order the hosts dialog lists them
name = "kvm1"                # display name (default: the URI's host name)
uri = "qemu+ssh://root@kvm1.example.org/system"
connect = true               # connect at start (default true)

[keys]                       # binding id = "key" or "key1,key2" (ids: press ? in the app)
"guest.force_off" = "K"
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tuivirt.backend.live.connection import host_name_for
from tuivirt.backend.live.models import HostConfig

KNOWN_SETTINGS = {"refresh", "shutdown_timeout", "console_detach", "hosts", "keys"}
HOST_KEYS = {"name", "uri", "connect"}
DETACH_BINDING = "console.detach"


@dataclass(frozen=True)
class Config:
    refresh: float = 2.0
    shutdown_timeout: float = 60.0
    keymap: dict[str, str] = field(default_factory=dict)
    hosts: tuple[HostConfig, ...] = ()


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tuivirt" / "config.toml"


def uri_problem(uri: str) -> str | None:
    """Why ``uri`` cannot be a libvirt URI, or None. Only the shape: libvirt judges the rest."""
    if not uri.strip():
        return "a URI is needed, e.g. qemu:///system or qemu+ssh://root@host/system"
    if any(c.isspace() for c in uri):
        return "a URI has no spaces"
    if not re.fullmatch(r"[a-z][a-z0-9+.-]*", urlsplit(uri).scheme or "") or ":" not in uri:
        return "it must start with a driver, e.g. qemu:// qemu+ssh:// qemu+tcp:// qemu+tls:// test://"
    return None


def _positive(data: dict[str, object], name: str, default: float, warnings: list[str]) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        warnings.append(f"{name} must be a number above 0, not {value!r}: using {default:g}")
        return default
    return float(value)


def _keymap(data: dict[str, object], where: str, warnings: list[str]) -> dict[str, str]:
    keys = data.get("keys", {})
    keymap: dict[str, str] = {}
    if not isinstance(keys, dict):
        warnings.append(f'{where}: [keys] must be a table of binding id = "key"')
        keys = {}
    for binding_id, key in keys.items():
        if isinstance(key, str) and key.strip():
            keymap[binding_id] = key.replace(" ", "")
        else:
            warnings.append(f'{where}: keys.{binding_id} must be a key name such as "K" or "ctrl+k"')
    detach = data.get("console_detach")
    if isinstance(detach, str) and detach.strip():
        keymap[DETACH_BINDING] = detach.replace(" ", "")
    elif detach is not None:
        warnings.append(f'{where}: console_detach must be a key name such as "ctrl+b"')
    return keymap


def _hosts(data: dict[str, object], where: str, warnings: list[str]) -> tuple[HostConfig, ...]:
    """Each [[hosts]] table; a bad one is skipped with a warning naming it, the others kept."""
    entries = data.get("hosts", [])
    if not isinstance(entries, list):
        warnings.append(f"{where}: hosts must be [[hosts]] tables with a uri each")
        return ()
    hosts: list[HostConfig] = []
    for number, entry in enumerate(entries, 1):
        label = f"{where}: host {number}"
        if not isinstance(entry, dict):
            warnings.append(f"{label} must be a table with a uri")
            continue
        warnings += [f"{label}: unknown setting {key!r} ignored" for key in entry if key not in HOST_KEYS]
        uri, name, connect = entry.get("uri"), entry.get("name"), entry.get("connect", True)
        problem = uri_problem(uri) if isinstance(uri, str) else "uri must be a string"
        if problem:
            warnings.append(f"{label} skipped: {problem}")
            continue
        assert isinstance(uri, str)
        if any(h.uri == uri for h in hosts):
            warnings.append(f"{label} skipped: {uri} is listed twice")
            continue
        if not isinstance(name, str) or not name.strip():
            if name is not None:
                warnings.append(f"{label}: name must be text: using {host_name_for(uri)!r}")
            name = host_name_for(uri)
        if not isinstance(connect, bool):
            warnings.append(f"{label}: connect must be true or false: connecting")
            connect = True
        hosts.append(HostConfig(name.strip(), uri, connect))
    return tuple(hosts)


def describe_toml_error(path: Path, exc: tomllib.TOMLDecodeError) -> str:
    """tomllib says "… (at line 3, column 7)": lead with the place, as compilers do."""
    message = str(exc)
    place = re.search(r"\(at line (\d+), column (\d+)\)$", message)
    if place:
        message = message[: place.start()].strip()
        return f"{path}, line {place[1]}, column {place[2]}: {message}"
    return f"{path}: {message}"


def load_config(path: Path | None = None) -> tuple[Config, list[str]]:
    """The settings and one warning per problem; a missing file is no problem, a bad one no crash."""
    path = path or config_path()
    warnings: list[str] = []
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        return Config(), []
    except (OSError, UnicodeDecodeError) as exc:
        return Config(), [f"{path}: cannot read it ({exc}): using defaults"]
    except tomllib.TOMLDecodeError as exc:
        return Config(), [f"{describe_toml_error(path, exc)}. Using defaults and no hosts from it."]
    except (RecursionError, MemoryError, ValueError) as exc:  # e.g. arrays nested 500 deep
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc) or type(exc).__name__
        return Config(), [f"{path}: cannot read it ({reason}). Using defaults and no hosts from it."]
    warnings += [f"{path}: unknown setting {key!r} ignored" for key in data if key not in KNOWN_SETTINGS]
    config = Config(
        refresh=_positive(data, "refresh", Config.refresh, warnings),
        shutdown_timeout=_positive(data, "shutdown_timeout", Config.shutdown_timeout, warnings),
        keymap=_keymap(data, str(path), warnings),
        hosts=_hosts(data, str(path), warnings),
    )
    return config, warnings
