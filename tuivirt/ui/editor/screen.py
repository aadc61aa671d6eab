"""`e`: change a guest, in sections (Overview, CPU and memory, Boot, Disks, Network). Every change
runs on the host's thread and the guest is read again after it; the status line says where changes
apply and what the next boot changes."""

from __future__ import annotations

from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import TabbedContent, TabPane

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.live.models import HostStatus
from tuivirt.backend.ops.common.host_offer import read_offer
from tuivirt.backend.ops.editor.detach import Release
from tuivirt.backend.ops.editor.guest_config import read_config
from tuivirt.backend.ops.editor.nics import used_macs
from tuivirt.format import printable
from tuivirt.ui.editor.boot_section import BootSection
from tuivirt.ui.editor.cpu_memory_section import CpuMemorySection
from tuivirt.ui.editor.disks_section import DisksSection
from tuivirt.ui.editor.nics_section import NicsSection
from tuivirt.ui.editor.overview_section import OverviewSection
from tuivirt.ui.editor.section import ChangeRequested, EditorData, Section
from tuivirt.ui.editor.xml_edit import XmlEditor
from tuivirt.ui.shared.dialogs.help import help_for
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader


class EditorRead(HostReply[EditorData]):
    """The guest and its host's offer, read again."""


class EditorChanged(HostReply[str]):
    """A change came back: what was done and where it applies."""


class GuestEditorScreen(Keymapped, Screen[None]):
    BINDINGS = [
        Binding("E", "edit_xml", "Edit XML", id="editor.xml"),
        Binding("question_mark", "help", "Keys", id="editor.help"),
        Binding("escape", "app.pop_screen", "Back", id="editor.close"),
        # From the tabs into the section's fields and between them (lists and menus keep theirs).
        Binding("down", "app.focus_next", "Next field", show=False, id="editor.next"),
        Binding("up", "app.focus_previous", "Previous field", show=False, id="editor.previous"),
    ]

    def __init__(self, fleet: Fleet, target: GuestTarget) -> None:
        super().__init__()
        self._fleet = fleet
        self._target = target
        self._data: EditorData | None = None
        self._active: bool | None = None  # the guest's state when last read
        self.reads = 0  # answers so far (tests wait for the one after a change)
        self._status = ""

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Plain("reading…", id="editor-status")
        with TabbedContent(id="editor-tabs"):
            with TabPane("Overview", id="tab-overview"):
                yield OverviewSection(classes="editor-section")
            with TabPane("CPU+memory", id="tab-cpu-memory"):
                yield CpuMemorySection(classes="editor-section")
            with TabPane("Boot", id="tab-boot"):
                yield BootSection(classes="editor-section")
            with TabPane("Disks", id="tab-disks"):
                yield DisksSection(classes="editor-section")
            with TabPane("Network", id="tab-nics"):
                yield NicsSection(classes="editor-section")
        yield XmlEditor(self._fleet)
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = f"Edit {printable(self._target.name)} on {printable(self._target.host_name)}"
        self._load()
        self.set_interval(1.0, self._follow_guest)

    def _load(self) -> None:
        uri, uuid = self._target.host_uri, self._target.uuid
        host = self._fleet.snapshots.get(uri)
        memory = host.facts.memory_kib if host else 0

        def read(conn: Any) -> EditorData:
            offer = read_offer(conn, self._target.host_name, uri)
            return EditorData(read_config(conn, uuid), offer, used_macs(conn), offer.max_vcpus, memory)

        job = partial(self._fleet.call, uri, read, what=f"Read {self._target.name}")
        call_host(self, job, EditorRead, group="editor-read", exclusive=True)

    @on(EditorRead)
    def _read(self, message: EditorRead) -> None:
        self.reads += 1
        if not self.query("#editor-status"):
            return  # closed (Esc) before the read came back
        if isinstance(message.outcome, HostCallError):
            self.query_one("#editor-status", Plain).update(str(message.outcome))
            return
        self._data = message.outcome
        self._active = message.outcome.config.active
        for section in self.query(Section):
            section.show(message.outcome)
        self._show_status()

    def _follow_guest(self) -> None:
        """The guest's state from the host's latest snapshot (no call): a guest started or stopped
        meanwhile is read again; one undefined closes the editor."""
        host = self._fleet.snapshots.get(self._target.host_uri)
        if host is None or host.status is not HostStatus.UP:
            return
        guest = next((d for d in host.domains if d.uuid == self._target.uuid), None)
        if guest is None:
            self.notify(
                f"{self._target.name} is no longer defined on {self._target.host_name}.", severity="error"
            )
            self.dismiss(None)
            return
        if self._active is not None and guest.state.is_active != self._active:
            self._active = guest.state.is_active
            self._load()
        self._show_status()

    def _show_status(self) -> None:
        if self._data is None:
            return
        config = self._data.config
        state = "running" if config.active else "shut off"
        line = f"{config.name} is {state}: changes apply {config.where}."
        host = self._fleet.snapshots.get(self._target.host_uri)
        guest = next((d for d in host.domains if d.uuid == self._target.uuid), None) if host else None
        if guest is not None and guest.next_boot:
            line += "\nChanges at next boot: " + "; ".join(guest.next_boot)
        if line != self._status:  # (checked every second: an unchanged line costs no repaint)
            self._status = line
            self.query_one("#editor-status", Plain).update(line)

    @on(ChangeRequested)
    def _change(self, message: ChangeRequested) -> None:
        message.stop()
        what, work = message.what, message.work

        def job() -> str:
            uri, uuid = self._target.host_uri, self._target.uuid
            with self._fleet.recording(uri, what, guest=uuid):  # the two calls of a detach: one action
                done = self._fleet.call(uri, work, what=what, changes=True, guest=uuid, record=False)
                if isinstance(done, Release):  # a detach: the guest is waited for outside the host's turn
                    finish = partial(done.finish, released=done.wait())
                    done = self._fleet.call(uri, finish, what=what, changes=True, guest=uuid, record=False)
            return f"{what}: {done}."

        # A hot-plug can take seconds (a guest asked to release a device, QEMU adding a disk):
        # said at once, so that the key is seen to have done something.
        self.notify(f"{what}: under way…", timeout=3)
        call_host(self, job, EditorChanged, group="editor-change")

    @on(EditorChanged)
    def _changed(self, message: EditorChanged) -> None:
        if isinstance(message.outcome, HostCallError):
            self.notify(str(message.outcome), severity="error", timeout=10)
        else:
            self.notify(message.outcome, timeout=8)
        self._load()

    def action_edit_xml(self) -> None:
        self.query_one(XmlEditor).edit(self._target, bool(self._active))

    def action_help(self) -> None:
        self.app.push_screen(help_for(self, f"editing {self._target.name}"))

    @on(XmlEditor.Applied)
    def _xml_applied(self) -> None:
        self._load()
