"""A second libvirt host on this machine, for tests that kill or freeze a daemon (and for migration).

Its own ``libvirtd`` and ``virtlogd`` run in mount and network namespaces of their own: private
``/etc/libvirt`` (a distinct host UUID, TCP without auth on its own address), ``/var/lib/libvirt``
and ``/run``, reached over a veth pair at ``qemu+tcp://10.77.0.2/system``. The machine's own daemon
is never touched: processes are ended by the pids recorded here, checked against the namespace.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import libvirt

HOST_ADDRESS, PEER_ADDRESS = "10.77.0.1", "10.77.0.2"
OUTER_LINK, INNER_LINK = "tv-veth0", "tv-veth1"

# Runs inside the new namespaces: private mounts, the inner link, the two daemons. It stays
# alive (sleep) as the namespaces' anchor; its pid is what nsenter enters.
_INSIDE = """\
set -e
echo $$ > "$DIR/anchor.pid"
mount --make-rprivate /
mount --bind "$DIR/etc" /etc/libvirt
mount --bind "$DIR/lib" /var/lib/libvirt
mount -t tmpfs tmpfs /run
mkdir -p /run/libvirt /run/lock  # virsh console locks the pty in /var/lock -> /run/lock
ip link set lo up
while ! ip link show {inner} >/dev/null 2>&1; do sleep 0.05; done
ip addr add {peer}/24 dev {inner}
ip link set {inner} up
virtlogd -d
libvirtd -d --listen
touch "$DIR/started"
exec sleep infinity
"""


@dataclass
class SecondHost:
    directory: Path
    anchor: subprocess.Popen[bytes]
    anchor_pid: int = 0
    host_uuid: str = field(default_factory=lambda: str(uuid.uuid4()))

    @property
    def uri(self) -> str:
        return f"qemu+tcp://{PEER_ADDRESS}/system"

    @property
    def net_ns(self) -> str:
        return os.readlink(f"/proc/{self.anchor_pid}/ns/net")

    def _in_namespace(self, pid: int) -> bool:
        """By the network namespace: QEMU gets a mount namespace of its own from libvirt."""
        try:
            return os.readlink(f"/proc/{pid}/ns/net") == self.net_ns
        except OSError:
            return False

    def _live(self, pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
        except (OSError, IndexError):
            return False

    def daemon_pid(self, name: str = "libvirtd") -> int:
        """The pid in the namespace's pidfile, checked to be a live process of the namespace."""
        pid = int(Path(f"/proc/{self.anchor_pid}/root/run/{name}.pid").read_text())
        assert self._in_namespace(pid) and self._live(pid), f"{name} {pid} is not ours or not alive"
        return pid

    def answers(self) -> bool:
        with contextlib.suppress(libvirt.libvirtError):
            libvirt.open(self.uri).close()
            return True
        return False

    def wait_until_answering(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.answers():
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.uri} does not answer after {timeout} s")
            time.sleep(0.2)

    def kill_daemon(self) -> None:
        """SIGKILL this host's libvirtd, and wait until it is gone."""
        pid = self.daemon_pid()
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while self._live(pid) and time.monotonic() < deadline:
            time.sleep(0.05)

    def crash(self) -> None:
        """The host goes down: its libvirtd and every QEMU it runs are killed (virtlogd stays, so
        that ``start_daemon`` brings the host back)."""
        guests = [pid for pid in _all_pids() if self._in_namespace(pid) and _command(pid).startswith("qemu")]
        self.kill_daemon()
        for pid in guests:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def start_daemon(self) -> None:
        """libvirtd again inside the namespaces (after kill_daemon); returns once it answers."""
        if not self.answers():
            self._nsenter("libvirtd", "-d", "--listen")
        self.wait_until_answering()

    @contextlib.contextmanager
    def frozen(self) -> Iterator[int]:
        """SIGSTOP this host's libvirtd for the block; SIGCONT afterwards, whatever happens."""
        pid = self.daemon_pid()
        os.kill(pid, signal.SIGSTOP)
        try:
            yield pid
        finally:
            os.kill(pid, signal.SIGCONT)

    def _nsenter(self, *command: str) -> None:
        subprocess.run(
            ["nsenter", f"--target={self.anchor_pid}", "--mount", "--net", *command],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def stop(self) -> None:
        """End every process of the namespaces (daemons, QEMU), then the anchor and the link."""
        if self.anchor_pid:
            ours = [pid for pid in _all_pids() if self._in_namespace(pid)]
            for pid in ours:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        self.anchor.kill()
        self.anchor.wait(timeout=10)
        subprocess.run(["ip", "link", "del", OUTER_LINK], capture_output=True, check=False)


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _all_pids() -> list[int]:
    return [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]


def _private_config(directory: Path, host_uuid: str) -> None:
    """/etc/libvirt copied without the machine's guests, networks and pools; TCP on its address."""
    etc = directory / "etc"
    shutil.copytree("/etc/libvirt", etc, symlinks=True)
    for definitions in ("qemu", "storage", "secrets"):
        shutil.rmtree(etc / definitions, ignore_errors=True)
    (etc / "qemu" / "networks" / "autostart").mkdir(parents=True)
    (etc / "libvirtd.conf").write_text(
        "listen_tls = 0\n"
        "listen_tcp = 1\n"
        'auth_tcp = "none"\n'
        f'listen_addr = "{PEER_ADDRESS}"\n'
        f'host_uuid = "{host_uuid}"\n'
    )
    (directory / "lib").mkdir()


def start_second_host(directory: Path) -> SecondHost:
    subprocess.run(["ip", "link", "del", OUTER_LINK], capture_output=True, check=False)  # an old run's
    subprocess.run(
        ["ip", "link", "add", OUTER_LINK, "type", "veth", "peer", "name", INNER_LINK],
        check=True,
        capture_output=True,
    )
    subprocess.run(["ip", "addr", "add", f"{HOST_ADDRESS}/24", "dev", OUTER_LINK], check=True)
    subprocess.run(["ip", "link", "set", OUTER_LINK, "up"], check=True)
    host_uuid = str(uuid.uuid4())
    _private_config(directory, host_uuid)
    script = _INSIDE.format(inner=INNER_LINK, peer=PEER_ADDRESS)
    anchor = subprocess.Popen(
        ["unshare", "--mount", "--net", "--fork", "sh", "-c", script],
        env={**os.environ, "DIR": str(directory)},
        stdout=subprocess.DEVNULL,
        stderr=(directory / "inside.log").open("wb"),
    )
    host = SecondHost(directory, anchor, host_uuid=host_uuid)
    try:
        pid_file = directory / "anchor.pid"
        deadline = time.monotonic() + 10
        while not pid_file.exists() or not pid_file.read_text().strip():
            _check_alive(anchor, directory, deadline)
            time.sleep(0.05)
        host.anchor_pid = int(pid_file.read_text())
        subprocess.run(["ip", "link", "set", INNER_LINK, "netns", str(host.anchor_pid)], check=True)
        deadline = time.monotonic() + 30
        while not (directory / "started").exists():
            _check_alive(anchor, directory, deadline)
            time.sleep(0.05)
        host.wait_until_answering()
    except BaseException:
        host.stop()
        raise
    return host


def _check_alive(anchor: subprocess.Popen[bytes], directory: Path, deadline: float) -> None:
    if anchor.poll() is not None or time.monotonic() > deadline:
        log = (directory / "inside.log").read_text(errors="replace")
        raise AssertionError(f"the second libvirt host did not start: {log}")
