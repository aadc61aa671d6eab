"""The whole path on the real daemon: start, see it, console into it, destroy, undefine."""

from __future__ import annotations

import asyncio
import subprocess
import time

import pexpect
import pytest

from tests.app.helpers import state_of
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI, virsh
from tuivirt.app import TuivirtApp
from tuivirt.backend.live.models import HostConfig
from tuivirt.testbed.testguest import PROMPT
from tuivirt.ui.shared.widgets.domains_table import DomainsTable

pytestmark = pytest.mark.integration


def console_processes() -> str:
    """Any virsh console still running, as ps shows it."""
    ps = subprocess.run(["ps", "-ewwo", "pid,stat,args"], capture_output=True, text=True, check=True)
    return "\n".join(line for line in ps.stdout.splitlines() if "virsh" in line and " console " in line)


def wait_for_prompt(console: pexpect.spawn, timeout: float = 60) -> None:
    """The guest may still be booting: poke it with Enter until the shell prompt answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        console.sendline("")
        if console.expect_exact([PROMPT, pexpect.TIMEOUT], timeout=3) == 0:
            return
    raise AssertionError(f"no shell prompt within {timeout} s; last output: {console.before!r}")


def console_echo(guest_name: str) -> int:
    """Attach `virsh console`, reach the prompt, compute 6*7 in the guest, detach; virsh's status."""
    console = pexpect.spawn("virsh", ["-c", SYSTEM_URI, "console", guest_name], encoding="utf-8", timeout=20)
    try:
        console.expect_exact("Escape character is ^]")
        wait_for_prompt(console)
        console.sendline("echo $((6*7))")
        console.expect(r"\r\n42\r\n")
        console.sendcontrol("]")
        console.expect(pexpect.EOF)
    finally:
        console.close()
    return int(console.exitstatus)


async def test_start_see_console_destroy_undefine(guest_name: str) -> None:
    assert "shut off" in virsh("domstate", guest_name)

    app = TuivirtApp([HostConfig("localhost", SYSTEM_URI)], refresh=0.5)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.query_one(DomainsTable)
        await wait_until(pilot, lambda: state_of(table, guest_name) == "shut off", timeout=15)

        virsh("start", guest_name)
        assert guest_name in virsh("list", "--name").split()
        await wait_until(pilot, lambda: state_of(table, guest_name) == "running", timeout=15)

        # pexpect blocks: run it beside the app's loop, as the app itself will.
        assert await asyncio.to_thread(console_echo, guest_name) == 0
        assert console_processes() == ""

        virsh("destroy", guest_name)
        assert "shut off" in virsh("domstate", guest_name)
        await wait_until(pilot, lambda: state_of(table, guest_name) == "shut off", timeout=15)

        virsh("undefine", guest_name)
        assert guest_name not in virsh("list", "--all", "--name").split()
        await wait_until(pilot, lambda: state_of(table, guest_name) is None, timeout=15)
