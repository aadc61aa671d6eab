"""The guest agent and the default network on the real daemon: the test guest gets a DHCP lease and
tuivirt shows its IP (from the lease without an agent, from the agent with one); details show the
OS, host name and a file system the guest mounted; a password set through the agent changes the
guest's /etc/shadow; the networks screen lists the lease with its guest."""

from __future__ import annotations

import asyncio
import io
import itertools
import json
import subprocess
import time
import uuid
from collections.abc import Iterator
from typing import Any

import libvirt
import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Input

from tests.app.helpers import domain, key_of, state_of
from tests.conftest import wait_until
from tests.integration.conftest import SYSTEM_URI, RecordingApp, _remove_guest, ensure_pool, virsh
from tests.integration.test_guest_editor import guest_says
from tuivirt.app import TuivirtApp
from tuivirt.backend.config.load import Config
from tuivirt.backend.live import guest_facts
from tuivirt.backend.live.guest_agent import NO_CHANNEL
from tuivirt.backend.live.models import DomainSnapshot, HostConfig
from tuivirt.testbed import testguest
from tuivirt.ui.agent.password_form import PasswordFormScreen
from tuivirt.ui.details.screen import DetailsScreen
from tuivirt.ui.networks.networks_table import network_key
from tuivirt.ui.networks.screen import NetworksScreen
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.dialogs.menu import MenuScreen

pytestmark = pytest.mark.integration
LOCAL = HostConfig("localhost", SYSTEM_URI)


def notes(app: TuivirtApp) -> str:
    return "\n".join(str(n.message) for n in app._notifications)


@pytest.fixture
def guest_without_agent(
    system_conn: libvirt.virConnect, guest_images: testguest.GuestImages
) -> Iterator[str]:
    """A running test guest with a NIC on the default network and no agent channel."""
    name = f"tuivirt-it-{uuid.uuid4().hex[:8]}"
    xml = testguest.domain_xml(name, guest_images)
    start = xml.index("<channel")
    xml = xml[:start] + xml[xml.index("</channel>") + len("</channel>") :]
    system_conn.defineXML(xml).create()
    yield name
    _remove_guest(name)


@pytest.fixture
def guest_with_ext2_disk(
    system_conn: libvirt.virConnect, guest_images: testguest.GuestImages
) -> Iterator[str]:
    """A shut-off test guest whose vda is a raw volume with an ext2 file system (made on the host:
    the guest's busybox has no mkfs)."""
    name = f"tuivirt-it-{uuid.uuid4().hex[:8]}"
    volume = ensure_pool(system_conn).createXML(
        f"<volume><name>{name}.raw</name><capacity unit='MiB'>16</capacity><target><format type='raw'/>"
        "</target></volume>"
    )
    path = volume.path()
    subprocess.run(["mkfs.ext2", "-q", "-F", path], check=True)
    xml = testguest.domain_xml(name, guest_images, disk=path).replace('type="qcow2"', 'type="raw"')
    system_conn.defineXML(xml)
    yield name
    _remove_guest(name, path)


def shown(widget: Any) -> str:
    """What a Static shows, as plain text (its content may be a rich Table or Group)."""
    console = Console(width=200, file=io.StringIO(), record=True)
    console.print(widget.content)
    return console.export_text()


def row_of(app: TuivirtApp, name: str) -> DomainSnapshot | None:
    key = key_of(app.main.table, name)
    return None if key is None else domain(app.main.table, key)


async def test_ip_from_the_lease_without_an_agent(guest_without_agent: str) -> None:
    name = guest_without_agent
    app = TuivirtApp([LOCAL], refresh=0.5)
    async with app.run_test(size=(200, 40)) as pilot:
        # (the first read of guest facts comes on the second tick; then every 30 s)
        await wait_until(pilot, lambda: bool((row := row_of(app, name)) and row.ip), timeout=60)
        row = row_of(app, name)
        assert row is not None and row.ip is not None and row.ip.startswith("192.168.122.")
        assert row.ip_source == "DHCP lease" and row.agent == NO_CHANNEL
        assert row.ip in virsh("net-dhcp-leases", "default")
        assert app.main.table.cell_text(key_of(app.main.table, name) or "", "ip") == row.ip


async def open_details(pilot: Pilot[Any], app: TuivirtApp, name: str) -> DetailsScreen:
    key = key_of(app.main.table, name)
    assert key is not None and app.main.table.select_key(key)
    app.main.table.focus()
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(app.screen, DetailsScreen))
    screen = app.screen
    assert isinstance(screen, DetailsScreen)
    return screen


async def test_agent_facts_addresses_password_and_leases(
    guest_with_ext2_disk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = guest_with_ext2_disk
    monkeypatch.setattr(guest_facts, "GUEST_FACTS_SECONDS", 1.0)  # (30 s) every guest's facts each second
    virsh("start", name)
    app = RecordingApp([LOCAL], refresh=0.5)
    async with app.run_test(size=(200, 40)) as pilot:
        # The agent's connect event brings a read at once: no 30 s wait.
        await wait_until(
            pilot,
            lambda: bool((row := row_of(app, name)) and row.ip_source == "agent" and row.ip),
            timeout=60,
        )
        row = row_of(app, name)
        assert row is not None and row.agent == "connected" and row.os_name == "tuivirt test guest 1"
        assert row.ip is not None and row.ip in virsh("net-dhcp-leases", "default")

        mounted = "$(mkdir -p /mnt/data && mount /dev/vda /mnt/data && echo ok)"
        assert await asyncio.to_thread(guest_says, name, mounted) == "ok"
        screen = await open_details(pilot, app, name)
        agent_text = screen.query_one("#agent-text")
        await wait_until(pilot, lambda: "tuivirt test guest 1" in shown(agent_text), timeout=20)
        facts = shown(agent_text)
        assert "tuivirt-guest" in facts and "/mnt/data" in facts and "ext2" in facts, facts
        network = shown(screen.query_one("#network-text"))
        assert "from agent" in network and row.ip in network, network
        await pilot.press("escape")

        before = await asyncio.to_thread(guest_says, name, "$(grep ^root: /etc/shadow | cut -d: -f2)")
        assert before == "*"
        assert app.main.table.select_key(key_of(app.main.table, name) or "")
        await pilot.press("i")
        await wait_until(pilot, lambda: isinstance(app.screen, MenuScreen))
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PasswordFormScreen))
        for field in ("password", "again"):
            app.screen.query_one(f"#{field}", Input).value = "s3cret-Tuivirt"
        await pilot.pause()
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "password of root" in notes(app), timeout=20)
        assert "password of root set" in notes(app), notes(app)
        after = await asyncio.to_thread(guest_says, name, "$(grep ^root: /etc/shadow | cut -d: -f2)")
        assert after.startswith("$") and after != before  # a crypt hash now

        await pilot.press("N")
        await wait_until(pilot, lambda: isinstance(app.screen, NetworksScreen))
        networks = app.screen
        assert isinstance(networks, NetworksScreen)
        default = network_key(LOCAL.uri, "default")
        await wait_until(pilot, lambda: networks.networks.item(default) is not None, timeout=20)
        assert networks.networks.select_key(default)
        await wait_until(
            pilot,
            lambda: any(networks.leases.cell_text(k, "guest") == name for k in networks.leases.keys),
            timeout=20,
        )
        lease = next(k for k in networks.leases.keys if networks.leases.cell_text(k, "guest") == name)
        assert networks.leases.cell_text(lease, "ip").split("/")[0] == row.ip
        assert "from the network's leases" in str(networks.query_one("#leases-title").render())
        await pilot.press("escape")

        # An agent that hangs (stopped inside the guest): details say so after the timeout, and the
        # host's polling goes on meanwhile.
        stopped = "$(kill -STOP $(pidof qemu-ga) && echo ok)"
        assert await asyncio.to_thread(guest_says, name, stopped) == "ok"
        screen = await open_details(pilot, app, name)
        agent_text = screen.query_one("#agent-text")
        await wait_until(pilot, lambda: "did not answer" in shown(agent_text), timeout=30)
        since = time.monotonic()
        # Two ticks (0.5 s apart) within 6 s: ticks that each waited for the agent (3 s) would not.
        await wait_until(pilot, lambda: len(app.updates_since(LOCAL.uri, since)) >= 2, timeout=6)

        # The poll's own read found it hung: that agent is left alone for 5 minutes. The guests' facts
        # are read every second here, so without the back-off every tick would wait 3 s for it.
        await wait_until(
            pilot, lambda: "did not answer" in (((row := row_of(app, name)) and row.agent) or ""), timeout=30
        )
        since = time.monotonic()
        await asyncio.sleep(6)
        times = [at for at, _snapshot in app.received[LOCAL.uri] if at >= since]
        gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
        assert len(times) >= 6 and max(gaps) < 2.0, gaps


async def agent_menu(pilot: Pilot[Any], app: TuivirtApp, name: str, key: str) -> None:
    assert app.main.table.select_key(key_of(app.main.table, name) or "")
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(app.screen, MenuScreen))
    await pilot.press(key)


def fsfreeze_status(name: str) -> str:
    said = virsh("qemu-agent-command", name, '{"execute":"guest-fsfreeze-status"}')
    return str(json.loads(said)["return"])


async def test_the_agent_freezes_thaws_sets_the_clock_reboots_and_shuts_down(
    guest_with_ext2_disk: str,
) -> None:
    """Each choice of `i` and the force-off prompt's "Shut down via agent", checked in the guest (the
    busybox guest ignores ACPI: only its agent can shut it down)."""
    name = guest_with_ext2_disk
    virsh("start", name)
    app = RecordingApp([LOCAL], refresh=0.5, config=Config(shutdown_timeout=3))
    async with app.run_test(size=(160, 40)) as pilot:
        await wait_until(
            pilot, lambda: bool((row := row_of(app, name)) and row.agent == "connected"), timeout=60
        )
        mounted = "$(mkdir -p /mnt/data && mount /dev/vda /mnt/data && echo ok)"
        assert await asyncio.to_thread(guest_says, name, mounted) == "ok"

        await agent_menu(pilot, app, name, "f")
        await wait_until(pilot, lambda: "file system(s) frozen" in notes(app), timeout=20)
        assert f"{name}: 1 file system(s) frozen" in notes(app)
        assert fsfreeze_status(name) == "frozen"
        await agent_menu(pilot, app, name, "t")
        await wait_until(pilot, lambda: "file system(s) thawed" in notes(app), timeout=20)
        assert fsfreeze_status(name) == "thawed"

        assert (
            await asyncio.to_thread(guest_says, name, "$(date -s 2001-02-03 >/dev/null; date +%Y)") == "2001"
        )
        await agent_menu(pilot, app, name, "k")
        await wait_until(pilot, lambda: "clock set from the host's" in notes(app), timeout=20)
        assert await asyncio.to_thread(guest_says, name, "$(date +%Y)") == time.strftime("%Y")

        await agent_menu(pilot, app, name, "r")
        await wait_until(pilot, lambda: "asked its agent to reboot" in notes(app), timeout=20)

        def rebooted() -> bool:  # libvirt's reboot event, in the log
            return any(e.kind == "reboot" and e.guest == name for e in app.fleet.events.newest_first())

        await wait_until(pilot, rebooted, timeout=30)
        assert await asyncio.to_thread(guest_says, name, "$(mount | grep -c /mnt/data)") == "0"  # a new boot
        await wait_until(
            pilot, lambda: bool((row := row_of(app, name)) and row.agent == "connected"), timeout=60
        )

        # With its agent up, libvirt shuts a guest down through it: stop the agent for the ACPI
        # request (ignored by this guest), start it again before the prompt comes.
        said = "$(kill $(cat /run/qga.pid) && sleep 1 && echo ok)"
        assert await asyncio.to_thread(guest_says, name, said) == "ok"
        await wait_until(
            pilot, lambda: bool((row := row_of(app, name)) and row.agent != "connected"), timeout=20
        )
        await pilot.press("S")
        await wait_until(pilot, lambda: state_of(app.main.table, name) == "shutting down…", timeout=5)
        port = "$(grep -l org.qemu.guest_agent.0 /sys/class/virtio-ports/*/name | cut -d/ -f5)"
        again = f"$(qemu-ga -d -m virtio-serial -p /dev/{port} -f /run/qga.pid -t /run && echo ok)"
        assert await asyncio.to_thread(guest_says, name, again) == "ok"
        await wait_until(pilot, lambda: isinstance(app.screen, ChoiceScreen), timeout=15)
        assert virsh("domstate", name).strip() == "running"
        await pilot.press("a")
        await wait_until(pilot, lambda: "asked its agent to shut down" in notes(app), timeout=20)
        await wait_until(pilot, lambda: virsh("domstate", name).strip() == "shut off", timeout=30)
        await wait_until(pilot, lambda: state_of(app.main.table, name) == "shut off", timeout=10)
