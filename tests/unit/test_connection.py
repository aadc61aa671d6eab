import time

import libvirt
import pytest

from tuivirt.backend.live.connection import (
    HostError,
    SharedConnection,
    connect_uri,
    describe_error,
    host_name_for,
    open_connection,
)


@pytest.mark.parametrize(
    ("uri", "name"),
    [
        ("qemu:///system", "localhost"),
        ("qemu+ssh://root@kvm1.example.org/system?no_tty=1", "kvm1.example.org"),
        ("qemu+tcp://10.0.0.5/system", "10.0.0.5"),
        ("test:///default", "test"),
        ("test:///srv/nodes/rack-7.xml", "rack-7"),
        ("test+unix:///srv/nodes/rack-7.xml", "rack-7"),
    ],
)
def test_host_name_for(uri: str, name: str) -> None:
    assert host_name_for(uri) == name


def test_open_connection_to_test_driver() -> None:
    conn = open_connection("test:///default")
    try:
        assert conn.getType() == "TEST"
    finally:
        conn.close()


def test_open_connection_failure_is_one_readable_line() -> None:
    with pytest.raises(HostError) as caught:
        open_connection("qemu:///system?socket=/nonexistent/libvirt-sock", timeout=5)
    message = str(caught.value)
    assert "\n" not in message
    assert "/nonexistent/libvirt-sock" in message


def test_open_connection_gives_up_after_timeout(tmp_path: object) -> None:
    """A socket that accepts but never answers (as a frozen daemon does) must not hang us."""
    import socket

    path = f"{tmp_path}/silent.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(1)
    try:
        started = time.monotonic()
        with pytest.raises(HostError, match="no answer"):
            open_connection(f"qemu:///system?socket={path}", timeout=0.5)
        assert time.monotonic() - started < 2
    finally:
        server.close()


def test_describe_error_gives_libvirts_message() -> None:
    with pytest.raises(libvirt.libvirtError) as caught:
        libvirt.open("qemu:///system?socket=/nonexistent/sock")
    text = describe_error(caught.value)
    assert text.startswith("Failed to connect socket to '/nonexistent/sock'")
    assert "\n" not in text


def test_describe_error_joins_lines() -> None:
    assert describe_error(RuntimeError("first line\n  second line")) == "first line second line"
    assert describe_error(TimeoutError()) == "TimeoutError"


def test_shared_connection_closes_only_after_the_call_under_way() -> None:
    shared = SharedConnection(libvirt.open("test:///default"))
    with shared.use() as conn:
        shared.close()
        assert conn.getType() == "TEST"  # the call under way keeps it open
        with pytest.raises(HostError), shared.use():
            pass  # but no new call starts on a closing connection
    with pytest.raises(libvirt.libvirtError):
        conn.getType()  # closed once the last call returned


@pytest.mark.parametrize(
    ("uri", "opened"),
    [
        ("qemu+ssh://root@kvm1/system", "qemu+ssh://root@kvm1/system?no_tty=1"),
        (
            "qemu+ssh://root@kvm1:2222/system?keyfile=/k/id",
            "qemu+ssh://root@kvm1:2222/system?keyfile=/k/id&no_tty=1",
        ),
        ("qemu+ssh://kvm1/system?no_tty=0", "qemu+ssh://kvm1/system?no_tty=0"),  # the user's choice stands
        ("qemu+tcp://kvm1/system", "qemu+tcp://kvm1/system"),
        ("qemu:///system", "qemu:///system"),
    ],
)
def test_ssh_uris_never_prompt(uri: str, opened: str) -> None:
    assert connect_uri(uri) == opened
