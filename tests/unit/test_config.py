from pathlib import Path

import pytest

from tuivirt.config import Config, config_path, load_config


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == (Config(), [])


def test_reads_settings_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('refresh = 5\nshutdown_timeout = 20\n[keys]\n"guest.force_off" = "K, ctrl+k"\n')
    config, warnings = load_config(path)
    assert warnings == []
    assert config == Config(refresh=5.0, shutdown_timeout=20.0, keymap={"guest.force_off": "K,ctrl+k"})


def test_malformed_file_names_the_line_and_keeps_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("refresh = 5\nshutdown_timeout = = 3\n")
    config, warnings = load_config(path)
    assert config == Config()
    assert len(warnings) == 1 and "line 2" in warnings[0] and str(path) in warnings[0]


def test_bad_values_and_unknown_keys_warn(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('refresh = -1\ncolour = "red"\n[keys]\n"guest.start" = 3\n')
    config, warnings = load_config(path)
    assert config.refresh == 2.0 and config.keymap == {}
    assert any("colour" in w for w in warnings)
    assert any("refresh" in w for w in warnings)
    assert any("guest.start" in w for w in warnings)


def test_xdg_config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "tuivirt" / "config.toml"
