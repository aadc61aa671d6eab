"""`V`: a look at a running guest's screen (libvirt's screenshot, in half blocks), taken again on
`r` and every few seconds while open. Keys go to the guest: `d` Ctrl+Alt+Del (asked first), `1` /
`2` Ctrl+Alt+F1 / F2, `k` any combination, `t` types a line. `z` shows it at its actual size,
where a text screen's letters can be read; the arrows move over it. The guest's VNC / SPICE
display is named with an ssh tunnel command, for a full viewer."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.ops.glimpse.screenshot import (
    Display,
    combo_keys,
    keys_for,
    screenshot_and_displays,
    send_presses,
)
from tuivirt.format import printable
from tuivirt.ui.glimpse.half_blocks import decode
from tuivirt.ui.glimpse.image_view import ImageView
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.value_form import ValueFormScreen
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.keymap import Keymapped, explain_readonly, readonly_twins
from tuivirt.ui.shared.plain import Plain
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader

REFRESH_SECONDS = 5.0


class Shot(HostReply[tuple[bytes, list[Display]]]):
    """A screenshot and the guest's displays, or why not."""


class Sent(HostReply[str]):
    """What was sent to the guest's keyboard."""


def _problem(keys: Callable[[str], list[Any]], text: str) -> str:
    """Why ``text`` cannot be sent (``keys``: keys_for or combo_keys), or ""."""
    try:
        keys(text)
    except ValueError as exc:
        return str(exc)
    return ""


def _said(combo: str) -> str:
    """'ctrl+alt+f3' as 'Ctrl+Alt+F3'."""
    return "+".join(part.capitalize() for part in combo.strip().lower().split("+"))


class GuestScreenScreen(Keymapped, Screen[None]):
    BINDINGS = [
        Binding("r", "take", "Again", id="screen.take"),
        Binding("t", "type", "Type a line", id="screen.type"),
        Binding("d", "ctrl_alt_del", "Ctrl+Alt+Del", id="screen.ctrl_alt_del"),
        Binding("k", "keys", "Send keys", id="screen.keys"),
        Binding("1", "combo('ctrl+alt+f1')", "Ctrl+Alt+F1", show=False, id="screen.f1"),
        Binding("2", "combo('ctrl+alt+f2')", "Ctrl+Alt+F2", show=False, id="screen.f2"),
        Binding("z", "zoom", "Actual size", id="screen.zoom"),
        Binding("left", "pan(-1, 0)", "Pan", show=False, id="screen.left"),
        Binding("right", "pan(1, 0)", "Pan", show=False, id="screen.right"),
        Binding("up", "pan(0, -1)", "Pan", show=False, id="screen.up"),
        Binding("down", "pan(0, 1)", "Pan", show=False, id="screen.down"),
        Binding("escape,V", "app.pop_screen", "Back", id="screen.close"),
    ]
    BINDINGS += readonly_twins(BINDINGS, {"type", "ctrl_alt_del", "keys", "combo"})

    def __init__(self, fleet: Fleet, target: GuestTarget) -> None:
        super().__init__()
        self._fleet = fleet
        self._target = target
        self.shots = 0  # screenshots shown (the tests count them)
        self._last_data = b""
        self._image_size = (0, 0)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys to the guest need a connection that may write (libvirt refuses sendKey otherwise)."""
        if action in ("type", "ctrl_alt_del", "keys", "combo"):
            return not self._fleet.readonly
        if action == "explain_readonly":
            return self._fleet.readonly
        return True

    def action_explain_readonly(self, what: str) -> None:
        explain_readonly(self, what)

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Plain("taking a screenshot…", id="screen-status")
        yield ImageView(id="screen-image")
        yield Plain("", id="screen-display")
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = f"{printable(self._target.name)} on {printable(self._target.host_name)}: its screen"
        self.action_take()
        self.set_interval(REFRESH_SECONDS, self.action_take)

    def action_take(self) -> None:
        target = self._target

        read = partial(screenshot_and_displays, uuid=target.uuid)
        job = partial(self._fleet.call, target.host_uri, read, what=f"Take {target.name}'s screenshot")
        call_host(self, job, Shot, group="screenshot", exclusive=True)

    @on(Shot)
    def _shot(self, message: Shot) -> None:
        status = self.query_one("#screen-status", Plain)
        if isinstance(message.outcome, HostCallError):
            status.update(str(message.outcome))
            return
        data, shown = message.outcome
        if data != self._last_data:  # an unchanged screen is not sent to the terminal again
            try:
                image = decode(data)
                self._image_size = image.size
                self.query_one(ImageView).show(image)
            except ValueError as exc:
                status.update(f"The screenshot could not be read: {exc}")
                return
            self._last_data = data
            self.shots += 1
        taken = time.strftime("%H:%M:%S")
        width, height = self._image_size
        status.update(f"{width}x{height}, taken {taken}, again every {REFRESH_SECONDS:.0f} s (r: now)")
        tunnels = [d.tunnel(self._target.host_uri) for d in shown]
        self.query_one("#screen-display", Plain).update("\n".join(tunnels) or "No VNC or SPICE display.")

    def _send(self, presses: list[list[int]], what: str, logged: str = "") -> None:
        """Send key presses; ``logged``: what the event log says instead of ``what`` (a typed
        line may be a password)."""
        target = self._target

        def send() -> str:
            work = partial(send_presses, uuid=target.uuid, presses=presses)
            action = f"Send {logged or what} to {target.name}"
            self._fleet.call(target.host_uri, work, what=action, record=True, guest=target.uuid)
            return what

        call_host(self, send, Sent)

    @on(Sent)
    def _sent(self, message: Sent) -> None:
        if isinstance(message.outcome, HostCallError):
            self.notify(str(message.outcome), severity="error", timeout=10)
        else:
            self.notify(f"Sent {message.outcome}.")
            self.set_timer(0.5, self.action_take)

    def action_zoom(self) -> None:
        view = self.query_one(ImageView)
        view.toggle_actual_size()
        self.notify("Actual size: the arrows move over it." if view.actual_size else "Scaled to fit.")

    def action_pan(self, dx: int, dy: int) -> None:
        """Half a view at a time, at actual size."""
        view = self.query_one(ImageView)
        if view.actual_size:
            view.pan(dx * (view.size.width // 2), dy * view.size.height)

    def action_combo(self, combo: str) -> None:
        self._send([combo_keys(combo)], _said(combo))

    def action_keys(self) -> None:
        def chosen(combo: str | None) -> None:
            if combo:
                self.action_combo(combo)

        note = "Keys held together, as ctrl+alt+f3, esc, alt+sysrq+s or shift+tab."
        form = ValueFormScreen("Send a key combination", note, "", partial(_problem, combo_keys), "Send")
        self.app.push_screen(form, chosen)

    def action_ctrl_alt_del(self) -> None:
        def answered(yes: bool | None) -> None:
            if yes:
                self.action_combo("ctrl+alt+del")

        body = f"Send Ctrl+Alt+Del to {self._target.name}? Most guests reboot."
        self.app.push_screen(ConfirmScreen("Ctrl+Alt+Del?", body, "Send"), answered)

    def action_type(self) -> None:
        def typed(text: str | None) -> None:
            if text:
                self._send(keys_for(text + "\n"), f"“{text}” and Enter", "a typed line")

        note = "Typed through the guest's keyboard (US layout), then Enter."
        self.app.push_screen(
            ValueFormScreen("Type a line", note, "", partial(_problem, keys_for), "Type"), typed
        )
