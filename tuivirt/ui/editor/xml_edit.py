"""`E`: the guest's next-boot XML in the user's editor ($VISUAL, $EDITOR, else vi), as `virsh edit`
does it: tuivirt steps aside while the editor runs; an unchanged file changes nothing; otherwise the
diff is shown, libvirt validates the XML as it defines it, and a refusal offers to edit again with
the text kept, or to discard it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from functools import partial

from rich.text import Text
from textual import on
from textual.app import SuspendNotSupported
from textual.message import Message
from textual.widget import Widget

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.ops.editor.xml_edit import define_edited, editor_command, read_for_edit, xml_diff
from tuivirt.ui.shared.dialogs.choice import ChoiceScreen
from tuivirt.ui.shared.host_calls import HostReply, call_host

DIFF_LINES = 14  # shown in the dialog; the rest is counted


class XmlRead(HostReply[str]):
    """The guest's next-boot XML, as virsh edit reads it."""


class XmlDefined(HostReply[str]):
    """The edited XML was defined (the guest's name), or libvirt's reason why not."""


def diff_text(diff: str) -> Text:
    lines = diff.splitlines()
    shown = Text()
    for line in lines[:DIFF_LINES]:
        style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
        shown.append(line + "\n", style="bold" if line.startswith("@@") else style)
    if len(lines) > DIFF_LINES:
        shown.append(f"… and {len(lines) - DIFF_LINES} more lines", style="italic")
    return shown


class XmlEditor(Widget):
    """Mounted (unseen) by the screens that offer `E`; runs one edit at a time."""

    DEFAULT_CSS = "XmlEditor { display: none; }"

    def __init__(self, fleet: Fleet) -> None:
        super().__init__()
        self._fleet = fleet
        self._target: GuestTarget | None = None
        self._running = False
        self._original = ""
        self._edited = ""

    class Applied(Message):
        """An edited XML was defined: the editor screen reads the guest again."""

    def edit(self, target: GuestTarget, running: bool) -> None:
        self._target = target
        self._running = running
        job = partial(
            self._fleet.call,
            target.host_uri,
            partial(read_for_edit, uuid=target.uuid),
            what=f"Read the XML of {target.name}",
        )
        call_host(self, job, XmlRead, group="xml-edit", exclusive=True)

    @on(XmlRead)
    def _read(self, message: XmlRead) -> None:
        if isinstance(message.outcome, HostCallError):
            self.notify(str(message.outcome), severity="error", timeout=10)
            return
        self._original = message.outcome
        self._open_editor(message.outcome)

    def _open_editor(self, text: str) -> None:
        """Blocks the UI loop while the editor runs: the app is suspended then, as virsh is."""
        assert self._target is not None
        # The name as a file name: a guest's name may be 240 characters long or hold a slash.
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self._target.name)[:40]
        try:
            handle, path = tempfile.mkstemp(prefix=f"tuivirt-{safe}-", suffix=".xml")
        except OSError as exc:
            self.notify(f"Edit XML: cannot make a file to edit: {exc.strerror or exc}", severity="error")
            return
        try:
            with os.fdopen(handle, "w") as file:
                file.write(text)
            command = [*editor_command(), path]
            try:
                with self.app.suspend():
                    result = subprocess.run(command, check=False)
            except SuspendNotSupported:  # no terminal to give away (the headless test driver)
                result = subprocess.run(command, check=False, capture_output=True)
            with open(path) as file:
                edited = file.read()
        except OSError as exc:
            self.notify(f"Edit XML: could not run {' '.join(editor_command())}: {exc}", severity="error")
            return
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
        if result.returncode != 0:
            self.notify(
                f"Edit XML: the editor exited with {result.returncode}: nothing changed.", severity="warning"
            )
            return
        self._edited = edited
        self._offer_apply()

    def _offer_apply(self) -> None:
        assert self._target is not None
        diff = xml_diff(self._original, self._edited, self._target.name)
        if not diff:
            self.notify(f"{self._target.name}: the XML is unchanged, nothing to define.")
            return
        choices = [("apply", "a", "Define it"), ("edit", "e", "Edit again"), ("discard", "d", "Discard")]

        def chosen(choice: str | None) -> None:
            if choice == "apply":
                self._define()
            elif choice == "edit":
                self._open_editor(self._edited)

        title = f"Define the edited XML of {self._target.name}?"
        # Pushed from the app's loop, not from inside this handler that suspended the app for the
        # editor: pushed from here, the dialog's answer waited for the next key to be run (the
        # first "Define it (a)" did nothing; the next E defined it instead, and opened no editor).
        self.app.call_later(self.app.push_screen, ChoiceScreen(title, diff_text(diff), choices), chosen)

    def _define(self) -> None:
        assert self._target is not None
        target = self._target
        work = partial(define_edited, uuid=target.uuid, xml=self._edited)
        job = partial(
            self._fleet.call,
            target.host_uri,
            work,
            what=f"Define {target.name}",
            changes=True,
            guest=target.uuid,
        )
        call_host(self, job, XmlDefined, group="xml-edit", exclusive=True)

    @on(XmlDefined)
    def _defined(self, message: XmlDefined) -> None:
        assert self._target is not None
        if not isinstance(message.outcome, HostCallError):
            when = "at its next boot" if self._running else "when it starts"
            self.notify(f"{message.outcome} defined: the changes apply {when}.")
            self.post_message(self.Applied())
            return
        choices = [("edit", "e", "Edit again"), ("discard", "d", "Discard")]
        # As plain text: libvirt's reason may hold [brackets] that markup would eat.
        body = Text(f"{message.outcome.reason}\n\nEdit again (your text is kept) or discard it?")

        def chosen(choice: str | None) -> None:
            if choice == "edit":
                self._open_editor(self._edited)

        self.app.push_screen(
            ChoiceScreen(f"libvirt refused the XML of {self._target.name}", body, choices), chosen
        )
