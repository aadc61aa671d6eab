from pathlib import Path

import pytest

from tuivirt.backend.config.load import Config, config_path, load_config
from tuivirt.backend.live.models import HostConfig


def test_missing_file_gives_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "none.toml") == (Config(), [])


def test_reads_settings_and_keys(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('refresh = 5\nshutdown_timeout = 20\n[keys]\n"guest.force_off" = "K, ctrl+k"\n')
    config, warnings = load_config(path)
    assert warnings == []
    assert config == Config(refresh=5.0, shutdown_timeout=20.0, keymap={"guest.force_off": "K,ctrl+k"})


def test_reads_hosts_in_order_with_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[hosts]]\nname = "kvm1"\nuri = "qemu+ssh://root@kvm1/system"\n'
        '[[hosts]]\nuri = "qemu+tcp://10.0.0.5/system"\nconnect = false\n'
    )
    config, warnings = load_config(path)
    assert warnings == []
    assert config.hosts == (
        HostConfig("kvm1", "qemu+ssh://root@kvm1/system", True),
        HostConfig("10.0.0.5", "qemu+tcp://10.0.0.5/system", False),
    )


def test_console_detach_key_becomes_a_keymap_entry(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('console_detach = "ctrl+b"\n')
    config, warnings = load_config(path)
    assert warnings == [] and config.keymap == {"console.detach": "ctrl+b"}


def test_malformed_file_names_the_line_and_keeps_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('refresh = 5\n[[hosts]]\nuri = "qemu:///system\n')
    config, warnings = load_config(path)
    assert config == Config()
    assert len(warnings) == 1
    assert warnings[0].startswith(f"{path}, line 3, column ")
    assert "no hosts from it" in warnings[0]


def test_bad_values_and_unknown_keys_warn(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('refresh = -1\ncolour = "red"\n[keys]\n"guest.start" = 3\n')
    config, warnings = load_config(path)
    assert config.refresh == 2.0 and config.keymap == {}
    assert any("colour" in w for w in warnings)
    assert any("refresh" in w for w in warnings)
    assert any("guest.start" in w for w in warnings)


def test_bad_hosts_are_skipped_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[hosts]]\nuri = "not a uri"\n'
        '[[hosts]]\nuri = "qemu:///system"\nport = 22\nconnect = "yes"\n'
        '[[hosts]]\nuri = "qemu:///system"\n'
    )
    config, warnings = load_config(path)
    assert config.hosts == (HostConfig("localhost", "qemu:///system", True),)
    assert any("host 1 skipped" in w for w in warnings)
    assert any("host 2: unknown setting 'port'" in w for w in warnings)
    assert any("host 2: connect must be true or false" in w for w in warnings)
    assert any("host 3 skipped" in w and "twice" in w for w in warnings)


def test_xdg_config_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert config_path() == tmp_path / "tuivirt" / "config.toml"


@pytest.mark.parametrize(
    "text",
    [
        "x = " + "[" * 500 + "]" * 500 + "\n",  # tomllib recurses once a level: RecursionError
        "keys = " + "{a = " * 400 + "1" + "}" * 400 + "\n",
    ],
)
def test_a_file_nested_too_deep_is_reported_and_defaults_are_used(tmp_path: Path, text: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text("refresh = 5\n" + text)
    config, warnings = load_config(path)
    assert config == Config()
    assert len(warnings) == 1 and warnings[0].startswith(f"{path}: cannot read it")
