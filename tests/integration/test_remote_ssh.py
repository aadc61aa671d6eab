"""qemu+ssh:// through a real sshd on 127.0.0.1: guests, actions and the console, and failed logins.

The URIs carry ``command=`` (an ssh that checks the host key against the test's own known_hosts
and logs its arguments) and no ``no_tty``: the app has to add that itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app.helpers import key_of, state_of
from tests.conftest import wait_until
from tests.integration.conftest import SshServer, answers_key, ssh_wrapper, virsh
from tests.integration.test_console import open_console, reach_prompt
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.testbed.testnode import write_node_file
from tuivirt.ui.main.screen import MainScreen
from tuivirt.ui.shared.dialogs.help import HelpScreen
from tuivirt.ui.shared.widgets.hosts_table import HostsTable

pytestmark = pytest.mark.integration

BATCH_MODE = "-o BatchMode=yes"  # what libvirt gives ssh for no_tty=1: fail rather than prompt


def ssh_runs(args_log: Path) -> list[str]:
    """The argument lists ssh was started with, one per run."""
    return args_log.read_text().splitlines() if args_log.exists() else []


async def test_guest_start_and_console_over_ssh(sshd: SshServer, guest_name: str, tmp_path: Path) -> None:
    args_log = tmp_path / "ssh-args.log"
    ssh = ssh_wrapper(tmp_path / "ssh", sshd.known_hosts, args_log)
    remote = HostConfig("ssh-local", sshd.uri(sshd.user_key, ssh))
    assert "no_tty" not in remote.uri
    app = TuivirtApp([remote], refresh=0.5)
    async with app.run_test(size=(140, 40)) as pilot:
        hosts = app.query_one(HostsTable)
        table = app.main.table
        await wait_until(pilot, lambda: state_of(table, guest_name) == "shut off", timeout=20)
        assert hosts.cell_text(remote.uri, "state") == "up"
        # (what the host says of itself is read just after the first poll, which paints first)
        await wait_until(pilot, lambda: hosts.cell_text(remote.uri, "hypervisor").startswith("QEMU"))
        runs = ssh_runs(args_log)
        assert runs, "libvirt did not go through the ssh command of the URI"
        assert all(BATCH_MODE in run and f"-p {sshd.port}" in run for run in runs), runs

        key = key_of(table, guest_name)
        assert key is not None and table.select_key(key)
        await pilot.press("s")
        await wait_until(pilot, lambda: state_of(table, guest_name) == "running", timeout=20)
        assert virsh("domstate", guest_name).strip() == "running"

        ssh_before_console = len(ssh_runs(args_log))
        pane = await open_console(pilot, app, guest_name)
        assert pane.session.uri == remote.uri
        await reach_prompt(pilot, pane)
        console_runs = ssh_runs(args_log)[ssh_before_console:]
        assert console_runs, "the console did not go through ssh"
        assert all(BATCH_MODE in run for run in console_runs), console_runs

        await pilot.press("ctrl+right_square_bracket")  # detach, so virsh console ends before teardown
        await wait_until(pilot, lambda: not app.main.dock.panes, timeout=5)
        await app.workers.wait_for_complete()


async def test_failed_ssh_logins_show_as_host_errors(sshd: SshServer, tmp_path: Path) -> None:
    """A key root does not accept, and a host key ssh does not know: each host is down with a
    plain reason within seconds, nothing prompts, and the app keeps answering keys."""
    known = ssh_wrapper(tmp_path / "ssh", sshd.known_hosts, tmp_path / "ssh-args.log")
    empty_known_hosts = tmp_path / "empty_known_hosts"
    empty_known_hosts.write_text("")
    unknown = ssh_wrapper(tmp_path / "ssh-unknown", empty_known_hosts, tmp_path / "ssh-unknown-args.log")
    stranger = HostConfig("stranger", sshd.uri(sshd.stranger_key, known))
    host_key_as_user_key = HostConfig("hostkey", sshd.uri(sshd.host_key, known))
    unverified = HostConfig("unverified", sshd.uri(sshd.user_key, unknown))
    node = HostConfig("node", f"test://{write_node_file(tmp_path / 'node.xml', 5, 'node')}")
    app = TuivirtApp([stranger, host_key_as_user_key, unverified, node], refresh=0.5)
    async with app.run_test(size=(200, 40)) as pilot:
        hosts = app.query_one(HostsTable)
        table = app.main.table

        def state(host: HostConfig) -> str:
            return hosts.cell_text(host.uri, "state") if hosts.item(host.uri) else ""

        await wait_until(
            pilot,
            lambda: all(state(h).startswith("down") for h in (stranger, host_key_as_user_key, unverified)),
            timeout=8,
        )
        for host in (stranger, host_key_as_user_key):
            assert "ssh authentication failed" in state(host), state(host)
            assert "Permission denied" in state(host), state(host)
        assert "ssh does not know this host's key" in state(unverified), state(unverified)
        assert "Host key verification failed" in state(unverified), state(unverified)
        assert all(BATCH_MODE in run for run in ssh_runs(tmp_path / "ssh-unknown-args.log"))

        await wait_until(pilot, lambda: state(node) == "up" and table.row_count == 5, timeout=10)
        assert {table.item(k).domain.host for k in table.keys} == {"node"}  # type: ignore[union-attr]
        first = table.cursor_row
        await answers_key(app, "down", lambda: table.cursor_row == first + 1)
        await answers_key(app, "up", lambda: table.cursor_row == first)
        await answers_key(app, "question_mark", lambda: isinstance(app.screen, HelpScreen))
        await answers_key(app, "escape", lambda: isinstance(app.screen, MainScreen))
        assert app.is_running
