"""Enter on a guest: overview with sparklines, disks, network interfaces, and its XML."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from rich.console import Group
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Sparkline, TabbedContent, TabPane

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.live.guest_agent import AgentFacts
from tuivirt.backend.live.models import DomainSnapshot, HostSnapshot, HostStatus
from tuivirt.backend.ops.details.guest_details import DomainDetails, read_details
from tuivirt.format import format_bytes, format_kib, format_pct, printable, yes_no
from tuivirt.ui.shared.commands import ShowsFleet
from tuivirt.ui.shared.history import History
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainLabel, plain, plain_lines
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader
from tuivirt.ui.shared.widgets.domains_table import row_key


def overview_text(d: DomainSnapshot, host_uri: str) -> str:
    persistent = {None: "?", True: "persistent", False: "transient"}[d.persistent]
    return "\n".join(
        [
            f"Name        {printable(d.name)}",
            f"Host        {printable(d.host)} ({printable(host_uri)})",
            f"UUID        {d.uuid}",
            f"State       {d.state.label}" + ("  (managed save image waiting)" if d.managed_save else ""),
            f"vCPUs       {'not read yet' if d.vcpus is None else d.vcpus}",
            f"Memory      {'not read yet' if d.memory_kib is None else format_kib(d.memory_kib)}",
            f"CPU         {format_pct(d.cpu_pct)} % of its vCPUs, {format_pct(d.cpu_host_pct)} % of the host",
            f"Memory use  {format_pct(d.memory_pct)} %",
            f"Autostart   {yes_no(d.autostart)}, {persistent}",
            f"Snapshots   {'not counted yet' if d.snapshots is None else d.snapshots}",
            *(["Next boot   " + "\n            ".join(d.next_boot)] if d.next_boot else []),
            *([f"Guest OS    {printable(d.os_name)}"] if d.os_name else []),
            *([f"IP          {printable(d.ip)} (from {d.ip_source})"] if d.ip else []),
            *([f"Agent       {printable(d.agent)}"] if d.agent else []),
        ]
    )


def agent_view(agent: AgentFacts | str) -> Group | str:
    """The agent's facts, or why there are none (no agent channel, not connected, no answer)."""
    if isinstance(agent, str):
        return plain_lines(f"No guest agent facts: {agent}.")
    facts = Table(box=None, show_header=False)
    for label, value in (
        ("OS", agent.os),
        ("Kernel", agent.kernel),
        ("Host name", agent.hostname),
        ("Users", ", ".join(agent.users) or "nobody logged in"),
        ("Time zone", agent.timezone),
    ):
        facts.add_row(Text(label, style="bold"), plain(value or "-"))
    systems = Table("Mount point", "Type", "Used", "Size", box=None, header_style="bold")
    for fs in agent.filesystems:
        systems.add_row(plain(fs.mountpoint), plain(fs.type), format_bytes(fs.used), format_bytes(fs.total))
    return Group(facts, Text(""), systems if agent.filesystems else Text("No file systems reported."))


class DetailsRead(HostReply[DomainDetails]):
    """The guest's disks, interfaces and XML."""


class DetailsScreen(ShowsFleet, Keymapped, Screen[None]):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back", id="details.back")]

    def __init__(self, fleet: Fleet, key: str, domain: DomainSnapshot, host_uri: str) -> None:
        super().__init__()
        self.key = key
        self._fleet = fleet
        self._domain = domain
        self._host_uri = host_uri

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with TabbedContent():
            with TabPane("Overview", id="overview"):
                yield Plain(id="overview-text")
                yield PlainLabel("CPU % (recent ticks)")
                yield Sparkline([], id="cpu-spark")
                yield PlainLabel("Memory in use % (recent ticks)")
                yield Sparkline([], id="mem-spark")
            with TabPane("Disks", id="disks"), VerticalScroll():
                yield Plain("reading…", id="disks-text")
            with TabPane("Network", id="network"), VerticalScroll():
                yield Plain("reading…", id="network-text")
            with TabPane("Guest agent", id="agent"), VerticalScroll():
                yield Plain("reading…", id="agent-text")
            with TabPane("XML", id="xml"), VerticalScroll(id="xml-scroll"):
                yield Plain("reading…", id="xml-text")
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = f"{printable(self._domain.name)} on {printable(self._domain.host)}"
        self._load()

    def show_domain(self, domain: DomainSnapshot, cpu: Sequence[float], memory: Sequence[float]) -> None:
        """Live part: called on every snapshot of the guest while the screen is open."""
        self._domain = domain
        if not self.is_mounted:
            self.call_after_refresh(self.show_domain, domain, cpu, memory)
            return
        if not self.query("#overview-text"):
            return  # closed before this came
        self.query_one("#overview-text", Plain).update(overview_text(domain, self._host_uri))
        self.query_one("#cpu-spark", Sparkline).data = list(cpu)
        self.query_one("#mem-spark", Sparkline).data = list(memory)

    def fleet_shown(self, snapshot: HostSnapshot, history: History) -> None:
        uri = snapshot.config.uri
        if not self.key.startswith(row_key(uri, "")):
            return
        shown = next((d for d in snapshot.domains if row_key(uri, d.uuid) == self.key), None)
        if shown is not None:
            self.show_domain(shown, *history.series(uri, self.key))
        elif snapshot.status is HostStatus.UP:  # undefined (or moved) since: no stale details
            self.guest_gone()

    def guest_gone(self) -> None:
        """The guest is no longer on its host (undefined or moved elsewhere): said, and the screen
        closes rather than go on showing its last state, agent facts and OS."""
        where = f"{printable(self._domain.name)} is no longer on {printable(self._domain.host)}"
        self.notify(f"{where}: its details closed.", severity="error")
        self.dismiss(None)

    def _load(self) -> None:
        uuid, what = self._domain.uuid, f"Could not read {printable(self._domain.name)}"
        job = partial(self._fleet.call, self._host_uri, lambda conn: read_details(conn, uuid), what=what)
        call_host(self, job, DetailsRead)

    @on(DetailsRead)
    def _details_read(self, message: DetailsRead) -> None:
        if isinstance(message.outcome, HostCallError):  # a libvirt error or a host gone: in the panes
            for widget_id in ("#disks-text", "#network-text", "#agent-text", "#xml-text"):
                self.query_one(widget_id, Plain).update(str(message.outcome))
            return
        self._show_details(message.outcome)

    def _show_details(self, details: DomainDetails) -> None:
        disks = Table("Target", "Device", "Source", "Size", "Allocation", box=None, header_style="bold")
        for disk in details.disks:
            disks.add_row(
                plain(disk.target),
                plain(disk.device),
                plain(disk.source),
                format_bytes(disk.capacity),
                format_bytes(disk.allocation),
            )
        self.query_one("#disks-text", Plain).update(disks if details.disks else "No disks.")
        source = f"IP addresses (from {details.address_source})" if details.address_source else "IP addresses"
        nics = Table("MAC", "Source", "Model", source, box=None, header_style="bold")
        for nic in details.nics:
            nics.add_row(
                plain(nic.mac),
                plain(nic.source),
                plain(nic.model or "-"),
                plain(", ".join(nic.addresses) or "-"),
            )
        self.query_one("#network-text", Plain).update(nics if details.nics else "No network interfaces.")
        self.query_one("#agent-text", Plain).update(agent_view(details.agent))
        self.query_one("#xml-text", Plain).update(
            Syntax(plain_lines(details.xml), "xml", theme="ansi_dark", word_wrap=False)
        )
