"""`i`: what the guest agent of the running guest under the cursor can do: set a password, shut
down or reboot from inside, freeze and thaw the file systems, set the clock from the host's."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from textual import on
from textual.widget import Widget

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.ops.agent import actions as agent_actions
from tuivirt.ui.agent.password_form import PasswordFormScreen, PasswordRequest
from tuivirt.ui.shared.dialogs.menu import MenuScreen
from tuivirt.ui.shared.host_calls import HostReply, call_host

CHOICES = [
    ("password", "p", "Set a user's password"),
    ("shutdown", "s", "Shut down from inside (for a guest that ignores ACPI)"),
    ("reboot", "r", "Reboot from inside"),
    ("freeze", "f", "Freeze the file systems (every write waits until thaw)"),
    ("thaw", "t", "Thaw the file systems"),
    ("clock", "k", "Set the guest's clock from the host's (after a pause or restore)"),
]
WORK: dict[str, Callable[..., str]] = {
    "shutdown": agent_actions.agent_shutdown,
    "reboot": agent_actions.agent_reboot,
    "freeze": agent_actions.freeze,
    "thaw": agent_actions.thaw,
    "clock": agent_actions.sync_clock,
}


class AgentDone(HostReply[str]):
    """What the agent did, or why not."""


class AgentMenu(Widget):
    DEFAULT_CSS = "AgentMenu { display: none; }"

    def __init__(self, fleet: Fleet) -> None:
        super().__init__()
        self._fleet = fleet

    def open(self, target: GuestTarget, running: bool) -> None:
        if not running:
            self.notify(f"{target.name}: the guest agent needs a running guest.", severity="warning")
            return
        body = f"{target.name} on {target.host_name}, through qemu-guest-agent in the guest. Esc: nothing."

        def chosen(choice: str | None) -> None:
            if choice == "password":
                self.app.push_screen(PasswordFormScreen(target.name), partial(self._password, target))
            elif choice in WORK:
                self.run(target, WORK[choice], CHOICES_LABEL[choice])

        self.app.push_screen(MenuScreen("Guest agent", body, CHOICES), chosen)

    def _password(self, target: GuestTarget, request: PasswordRequest | None) -> None:
        if request is not None:
            work = partial(agent_actions.set_password, user=request.user, password=request.password)
            self.run(target, work, f"Set the password of {request.user}")

    def run(self, target: GuestTarget, work: Callable[..., str], what: str) -> None:
        call: Callable[[Any], str] = partial(work, uuid=target.uuid)
        job = partial(
            self._fleet.call,
            target.host_uri,
            call,
            what=f"{what} in {target.name}",
            changes=True,
            guest=target.uuid,
        )
        call_host(self, job, AgentDone)

    @on(AgentDone)
    def _done(self, message: AgentDone) -> None:
        if isinstance(message.outcome, HostCallError):
            self.notify(str(message.outcome), severity="error", timeout=10)
        else:
            self.notify(f"{message.outcome}.")


CHOICES_LABEL = {
    "shutdown": "Shut down through the agent",
    "reboot": "Reboot through the agent",
    "freeze": "Freeze the file systems",
    "thaw": "Thaw the file systems",
    "clock": "Sync the clock",
}
