import json
from pathlib import Path

import libvirt
import pytest

import tuivirt
from tuivirt import __version__
from tuivirt.backend.live.connection import DEFAULT_URI
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import build_parser, hosts_from_args, main


def hosts(argv: list[str]) -> list[tuple[str, str]]:
    return [(h.name, h.uri) for h in hosts_from_args(build_parser().parse_args(argv))]


def test_default_uri_is_system(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIBVIRT_DEFAULT_URI", raising=False)
    assert hosts([]) == [("localhost", DEFAULT_URI)]


def test_libvirt_default_uri_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "qemu+ssh://root@kvm1/system")
    assert hosts([]) == [("kvm1", "qemu+ssh://root@kvm1/system")]


def test_connect_options_win_over_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIBVIRT_DEFAULT_URI", "qemu+ssh://root@kvm1/system")
    assert hosts(["-c", "test:///default", "-c", "qemu+tcp://kvm2/system"]) == [
        ("test", "test:///default"),
        ("kvm2", "qemu+tcp://kvm2/system"),
    ]


def test_demo_uses_shipped_node_file() -> None:
    shipped = Path(tuivirt.__file__).parent / "data" / "demo-node.xml"
    assert hosts(["--demo"]) == [("demo", f"test://{shipped}")]
    conn = libvirt.open(f"test://{shipped}")
    try:
        assert len(conn.listAllDomains(0)) == 14  # what the README promises the demo shows
    finally:
        conn.close()


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"tuivirt {__version__}"


def test_bad_refresh_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--refresh", "0"])
    assert exited.value.code == 2
    assert "--refresh" in capsys.readouterr().err


def test_config_hosts_come_first_and_command_line_adds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LIBVIRT_DEFAULT_URI", raising=False)
    lab = HostConfig("lab", "test:///default", autoconnect=False)
    kvm1 = HostConfig("localhost", "qemu+ssh://root@kvm1/system")
    args = build_parser().parse_args(["-c", "test:///default", "-c", "qemu:///system"])
    assert hosts_from_args(args, [lab, kvm1]) == [
        HostConfig("lab", "test:///default", autoconnect=True),  # asked for with -c: connected now
        kvm1,
        HostConfig("localhost-2", "qemu:///system"),  # a name no other host has
    ]
    assert hosts_from_args(build_parser().parse_args([]), [lab]) == [lab]  # no default URI added


def test_list_prints_the_table_and_exits_1_when_a_host_is_down(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dead = "qemu:///system?socket=/nonexistent/libvirt-sock"
    config = tmp_path / "none.toml"
    code = main(["list", "--demo", "-c", dead, "--interval", "0.05", "--config", str(config)])
    out, err = capsys.readouterr()
    assert code == 1
    lines = out.splitlines()
    assert lines[0].split() == [
        "Host",
        "Name",
        "State",
        "vCPU",
        "Memory",
        "CPU%",
        "Mem%",
        "Disk",
        "r/w",
        "Net",
        "rx/tx",
        "Autostart",
    ]
    assert len(lines) == 1 + 14 and all(line.startswith("demo ") for line in lines[1:])
    assert [line.split()[1] for line in lines[1:]] == sorted(line.split()[1] for line in lines[1:])
    assert any(line.split()[1:4] == ["mail-relay", "paused", "1"] for line in lines[1:])
    assert err.startswith(f"tuivirt: localhost ({dead}) is down: ")
    assert "/nonexistent/libvirt-sock" in err and len(err.splitlines()) == 1


def test_list_exits_0_when_every_host_is_up(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["list", "--demo", "--json", "--interval", "0.05", "--config", str(tmp_path / "x.toml")]) == 0
    assert capsys.readouterr().err == ""


def test_tuivirt_log_reads_the_users_log_through_main(capsys: pytest.CaptureFixture[str]) -> None:
    """`tuivirt log` as typed: the file in $XDG_STATE_HOME (a folder of this test's), oldest first,
    a hostile name escaped in the table and in the JSON lines."""
    from tuivirt.backend.eventlog.store import Event, EventStore

    EventStore().append(
        [
            Event(1_800_000_100.0, "rack-2", "lifecycle", "started", "db\x1b[2J"),
            Event(1_800_000_000.0, "rack-1", "action", "Pause: done", "web", user="ops"),
        ]
    )
    assert main(["log"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[2:] for line in lines] == [
        ["rack-1", "web", "action", "Pause:", "done", "(ops)"],
        ["rack-2", "db\\x1b[2J", "lifecycle", "started"],
    ]
    assert main(["log", "--json", "--host", "rack-2"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and json.loads(out)["guest"] == "db\x1b[2J"
