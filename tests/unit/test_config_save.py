import errno
import os
from pathlib import Path

import pytest

from tuivirt.backend.config.load import Config, load_config
from tuivirt.backend.config.save import ConfigSaveError, save_hosts
from tuivirt.backend.fleet.host_list import HostList
from tuivirt.backend.live.models import HostConfig

USER_FILE = """\
# my settings
refresh = 5  # fast link

[[hosts]]  # the rack
name = "kvm1"  # primary
uri = "qemu+ssh://root@kvm1/system"

[[hosts]]
name = "old"
uri = "qemu+tcp://old/system"

[keys]
# I like K
"guest.force_off" = "K"
"""
KVM1 = HostConfig("kvm1", "qemu+ssh://root@kvm1/system", False)
KVM2 = HostConfig("kvm2", "qemu+tls://kvm2/system")


def test_round_trip_keeps_comments_and_other_settings(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)
    save_hosts(path, [KVM1, KVM2])
    config, warnings = load_config(path)
    assert warnings == []
    assert config.hosts == (KVM1, KVM2)
    assert config.refresh == 5.0 and config.keymap == {"guest.force_off": "K"}
    text = path.read_text()
    for comment in ("# my settings", "# fast link", "# the rack", "# primary", "# I like K"):
        assert comment in text
    assert "old" not in text


@pytest.mark.parametrize(
    "before",
    [
        USER_FILE,
        "refresh = 3\n",
        "",
        '[keys]\n"guest.delete" = "ctrl+d"\n',
        USER_FILE.split("\n\n[keys]")[0] + "\n",
    ],
)
def test_host_tables_are_one_blank_line_apart_and_removing_all_leaves_none(
    tmp_path: Path, before: str
) -> None:
    path = tmp_path / "config.toml"
    path.write_text(before)
    save_hosts(path, [KVM1, KVM2, HostConfig("lab", "test:///default")])
    text = path.read_text()
    assert text.count("[[hosts]]") == 3
    assert "\n\n\n" not in text and "\n\n[[hosts]]" in text and text.endswith("\n")
    assert all(line == "" or not line.isspace() for line in text.splitlines())
    assert len(load_config(path)[0].hosts) == 3
    save_hosts(path, [])
    config, warnings = load_config(path)
    assert "hosts" not in path.read_text() and config.hosts == () and warnings == []


def test_new_file_and_directory_are_made(tmp_path: Path) -> None:
    path = tmp_path / "tuivirt" / "config.toml"
    save_hosts(path, [KVM2])
    assert load_config(path) == (Config(hosts=(KVM2,)), [])
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary file left


def test_malformed_file_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("refresh = = 5\n")
    with pytest.raises(ConfigSaveError, match="fix it first"):
        save_hosts(path, [KVM2])
    assert path.read_text() == "refresh = = 5\n"


def test_full_disk_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text(USER_FILE)

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(ConfigSaveError, match="No space left on device"):
        save_hosts(path, [KVM2])
    assert path.read_text() == USER_FILE
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_host_list_saves_file_and_edited_hosts_not_command_line_ones(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    cli = HostConfig("test", "test:///default")
    hosts = HostList([KVM1, cli], path, saved_uris={KVM1.uri})
    assert not hosts.in_file(cli.uri)
    hosts.add(KVM2)
    assert hosts.unsaved_changes
    hosts.save()
    assert load_config(path)[0].hosts == (KVM1, KVM2)
    hosts.add(HostConfig("lab", cli.uri, False), replacing=cli.uri)  # edited: now it is the user's
    hosts.remove(KVM1.uri)
    hosts.save()
    assert load_config(path)[0].hosts == (HostConfig("lab", cli.uri, False), KVM2)
    assert not hosts.unsaved_changes


def test_host_list_problems_name_the_field() -> None:
    hosts = HostList([KVM1], Path("/nonexistent"), saved_uris=set())
    assert hosts.problems(HostConfig("kvm1", "qemu:///system")) == {"name": "another host is called kvm1"}
    assert set(hosts.problems(HostConfig("", KVM1.uri))) == {"name", "uri"}
    assert "uri" in hosts.problems(HostConfig("x", "kvm1.example.org"))
    assert hosts.problems(HostConfig("kvm1b", KVM1.uri), replacing=KVM1.uri) == {}
