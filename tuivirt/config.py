"""The user's settings: $XDG_CONFIG_HOME/tuivirt/config.toml (tomllib reads it, read-only).

refresh = 2             # seconds between polls
shutdown_timeout = 60   # seconds before a shutdown the guest ignores offers force off

[keys]                  # binding id = "key" or "key1,key2" (ids: press ? in the app)
"guest.force_off" = "K"
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Config:
    refresh: float = 2.0
    shutdown_timeout: float = 60.0
    keymap: dict[str, str] = field(default_factory=dict)


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "tuivirt" / "config.toml"


def _positive(data: dict[str, object], name: str, default: float, warnings: list[str]) -> float:
    value = data.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        warnings.append(f"{name} must be a number above 0, not {value!r}: using {default:g}")
        return default
    return float(value)


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
        return Config(), [f"{path}: {exc}: using defaults"]
    known = {"refresh", "shutdown_timeout", "keys"}
    warnings += [f"{path}: unknown setting {key!r} ignored" for key in data if key not in known]
    keys = data.get("keys", {})
    keymap: dict[str, str] = {}
    if not isinstance(keys, dict):
        warnings.append(f'{path}: [keys] must be a table of binding id = "key"')
    else:
        for binding_id, key in keys.items():
            if isinstance(key, str) and key.strip():
                keymap[binding_id] = key.replace(" ", "")
            else:
                warnings.append(f'{path}: keys.{binding_id} must be a key name such as "K" or "ctrl+k"')
    config = Config(
        refresh=_positive(data, "refresh", Config.refresh, warnings),
        shutdown_timeout=_positive(data, "shutdown_timeout", Config.shutdown_timeout, warnings),
        keymap=keymap,
    )
    return config, warnings
