"""Add or edit one host: name, URI, connect at start; each field checked as it changes."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input

from tuivirt.backend.fleet.host_list import HostList
from tuivirt.backend.live.connection import host_name_for
from tuivirt.backend.live.models import HostConfig
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainCheckbox, PlainLabel

URI_HINT = "e.g. qemu+ssh://root@kvm1/system (key or agent auth only), qemu+tcp://kvm1/system"


class HostFormScreen(Keymapped, ModalScreen[HostConfig | None]):
    """Gives back the host, or None when cancelled. A blank name becomes the URI's host name."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="host_form.cancel"),
        Binding("ctrl+s", "save", "Save", id="host_form.save"),
    ]

    def __init__(self, hosts: HostList, host: HostConfig | None = None) -> None:
        super().__init__()
        self._hosts = hosts
        self._old = host

    def compose(self) -> ComposeResult:
        old = self._old
        with Vertical(classes="dialog", id="host-form"):
            yield PlainLabel(f"Edit host {old.name}" if old else "Add a host", classes="dialog-title")
            yield PlainLabel("URI")
            yield Input(old.uri if old else "", placeholder="qemu+ssh://root@host/system", id="uri")
            yield Plain(URI_HINT, id="uri-why", classes="host-why")
            yield PlainLabel("Name")
            yield Input(old.name if old else "", placeholder="(the URI's host name)", id="name")
            yield Plain("", id="name-why", classes="host-why")
            yield PlainCheckbox("Connect at start", old.autoconnect if old else True, id="autoconnect")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", compact=True, id="save")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def on_mount(self) -> None:
        self._check()

    def _host(self) -> HostConfig:
        uri = self.query_one("#uri", Input).value.strip()
        name = self.query_one("#name", Input).value.strip() or (host_name_for(uri) if uri else "")
        return HostConfig(name, uri, self.query_one("#autoconnect", Checkbox).value)

    def _check(self) -> dict[str, str]:
        """Show each field's problem beside it; Save works only without any."""
        host = self._host()
        problems = self._hosts.problems(host, replacing=self._old.uri if self._old else None)
        if not host.uri:
            problems["uri"] = "a URI is needed"  # said softly while the form is still empty
        for field, hint in (("uri", URI_HINT), ("name", f"shown as {host.name}" if host.name else "")):
            why = self.query_one(f"#{field}-why", Plain)
            why.update(problems.get(field, hint))
            why.set_class(field in problems and bool(host.uri), "form-error")
        self.query_one("#save", Button).disabled = bool(problems)
        return problems

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self._check()

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self._check():
            self.notify("Fix the fields marked in red first.", severity="warning")
            return
        self.dismiss(self._host())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
