"""One guest's serial console: a status line, then the terminal screen pyte keeps for it.

Keys typed here go to the guest; only the pane's own keys (detach, full screen, leave, scroll,
switch, log) are kept, and they are priority bindings so the guest never sees them.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.segment import Segment
from rich.style import Style
from textual import events, work
from textual.binding import Binding
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from tuivirt.backend.console.keys import key_to_bytes
from tuivirt.backend.console.terminal import Cell, TerminalEmulator
from tuivirt.backend.console.virsh import ConsoleSession, ConsoleState
from tuivirt.format import printable
from tuivirt.ui.shared.keymap import Keymapped

FRAME_SECONDS = 1 / 30  # at most this many repaints a second, however fast the guest writes
KEY_BATCH_SECONDS = 0.005  # keys typed within this go to the guest in one write (a paste by tmux)
SCROLLING_FRAME_SECONDS = 1 / 10  # ... and this many while the whole screen moves (a flood)

STATE_TEXT = {
    ConsoleState.ATTACHING: "attaching…",
    ConsoleState.ATTACHED: "attached",
    ConsoleState.BUSY: "console busy: another session holds it. f: take it over (--force)",
    ConsoleState.NOT_RUNNING: "guest not running: reattaches when it starts (r: try now)",
    ConsoleState.CLOSED: "guest stopped: reattaches when it starts (r: try now)",
    ConsoleState.DETACHED: "detached (r: attach)",
    ConsoleState.FAILED: "failed",
}


def _colour(name: str) -> str | None:
    """pyte's colour names as Rich's: brown is yellow, brightred is bright_red, hex gets a #."""
    if name == "default":
        return None
    bright = name.startswith("bright")
    base = name.removeprefix("bright").replace("brown", "yellow")
    if len(base) == 6 and all(c in "0123456789abcdefABCDEF" for c in base):
        return f"#{base}"
    return f"bright_{base}" if bright else base


class ConsolePane(Keymapped, Widget, can_focus=True):
    """Owns the console session and its emulator; one pane per guest."""

    BINDINGS = [
        Binding("ctrl+right_square_bracket,f12", "detach", "Detach", priority=True, id="console.detach"),
        Binding("f11", "full_screen", "Full screen", priority=True, id="console.full_screen"),
        Binding("f6", "leave", "Tables", priority=True, id="console.leave"),
        Binding("shift+pageup", "scroll(-1)", "Scroll back", priority=True, id="console.scroll_back"),
        Binding("shift+pagedown", "scroll(1)", "Scroll forward", priority=True, id="console.scroll_forward"),
        Binding("ctrl+pageup", "switch(-1)", "Previous console", priority=True, id="console.previous"),
        Binding("ctrl+pagedown", "switch(1)", "Next console", priority=True, id="console.next"),
        Binding("f2", "log", "Log to file", priority=True, id="console.log"),
    ]

    class Changed(Message):
        """State changed (posted from the reader thread)."""

        def __init__(self, pane: ConsolePane, state: ConsoleState, reason: str) -> None:
            super().__init__()
            self.pane = pane
            self.state = state
            self.reason = reason

        @property
        def control(self) -> ConsolePane:
            return self.pane

    class Output(Message):
        """The screen has changed lines to paint (posted from the reader thread, coalesced)."""

    class Intent(Message):
        """A pane key the dock or the screen around it handles (one subclass per intent)."""

        def __init__(self, pane: ConsolePane) -> None:
            super().__init__()
            self.pane = pane

        @property
        def control(self) -> ConsolePane:
            return self.pane

    class Detach(Intent):
        """End the console and close the pane."""

    class FullScreen(Intent):
        """Toggle the console over the whole screen."""

    class Leave(Intent):
        """Back to the tables, the console left open."""

    class Switch(Intent):
        def __init__(self, pane: ConsolePane, step: int) -> None:
            super().__init__(pane)
            self.step = step  # +1 the next console, -1 the previous

    class ToggleLog(Intent):
        """Start logging to a file (asks where) or stop."""

    class Force(Intent):
        """Another session holds the console: offer to take it over."""

    def __init__(
        self, key: str, uri: str, guest: str, host: str, detach_keys: str | None = None, uuid: str = ""
    ) -> None:
        super().__init__()
        self.key = key
        self._detach_keys = detach_keys  # as remapped in the config file (None: Ctrl+] and F12)
        self._detach_label = "^]"
        self.guest = guest
        self.host = host
        self.emulator = TerminalEmulator()
        self.session = ConsoleSession(uri, guest, self._from_guest, self._state_changed, uuid=uuid)
        self.state = ConsoleState.DETACHED
        self.reason = ""
        self.guest_seen_stopped = False  # since the last attach: reattach when it runs again
        self._output_posted = False
        self._typed = bytearray()  # keys not yet sent (KEY_BATCH_SECONDS)
        self._cursor: tuple[int, int] | None = None
        self._frame: dict[int, list[Cell]] = {}  # the screen as last copied from the emulator
        self._styles: dict[tuple[str, str, bool, bool, bool, bool], Style] = {}
        self._strips: dict[int, Strip] = {}  # painted lines, kept until their row changes

    # -- reader thread ---------------------------------------------------------------------

    def _from_guest(self, data: bytes) -> None:
        answer = self.emulator.feed(data)
        if answer:  # the guest asked where the cursor is, or what terminal this is
            self.session.send(answer)
        if not self._output_posted:
            self._output_posted = True
            self.post_message(self.Output())

    def _state_changed(self, state: ConsoleState, reason: str) -> None:
        self.post_message(self.Changed(self, state, reason))

    # -- UI loop ---------------------------------------------------------------------------

    def on_mount(self) -> None:
        if self._detach_keys:
            first = self._detach_keys.split(",")[0]
            self._detach_label = self.app.get_key_display(Binding(first, "detach"))
        self._fit()
        self.attach()

    def attach(self, force: bool = False) -> None:
        self.guest_seen_stopped = False
        self.state = ConsoleState.ATTACHING  # now, not when the message comes: no second attach meanwhile
        if force:
            self._take_over()
        else:
            self.session.start()  # spawns virsh and returns: its reader thread does the rest

    @work(thread=True, exit_on_error=False, group="console-start")
    def _take_over(self) -> None:
        """On a thread: a takeover first ends our own virsh, which may take seconds."""
        self.session.start(force=True)

    def on_console_pane_changed(self, message: ConsolePane.Changed) -> None:
        self.state, self.reason = message.state, message.reason
        self.refresh(Region(0, 0, self.size.width, 1))

    def on_console_pane_output(self, _message: ConsolePane.Output) -> None:
        """Paint what changed, then look again a frame later while the guest goes on writing. An
        idle guest costs nothing: no frame is taken until its next output."""
        cursor = self._cursor
        changed = self._take_frame()
        if changed or self._cursor != cursor:
            scrolling = changed >= self.emulator.size[0]
            self.set_timer(SCROLLING_FRAME_SECONDS if scrolling else FRAME_SECONDS, self._next_frame)
            return
        self._output_posted = False  # (then the reader posts again on its next feed)
        if self.emulator.changed:  # fed between the frame and the line above: the reader did not post
            self._next_frame()

    def _take_frame(self, everything: bool = False) -> int:
        """Copy the changed lines under one hold of the emulator's lock, then repaint them; how many
        the guest changed (not counting the cursor's line, always copied).

        Painting reads only this copy: a guest flooding its console keeps the reader thread
        feeding pyte, and the UI must never wait on that lock line by line.
        """
        # A cursor that only moved dirties no line in pyte: where it was is repainted too.
        was = {self._cursor[0]} if self._cursor else set()
        dirty = self.emulator.changed
        lines, self._cursor, rows = self.emulator.frame(was, everything)
        self._frame.update(lines)
        if everything:
            self._frame = {y: cells for y, cells in self._frame.items() if y < rows}
        if everything:
            self._strips.clear()
        for y in lines.keys() | was:
            self._strips.pop(y, None)
            self.refresh(Region(0, y + 1, self.size.width, 1))
        return len(lines) if dirty or everything else 0

    def _next_frame(self) -> None:
        self._output_posted = False
        self.post_message(self.Output())  # paints what arrived meanwhile, if anything

    def on_resize(self) -> None:
        self._refit()

    def _refit(self) -> None:
        self._fit()
        self._take_frame(everything=True)
        self.refresh()

    def _fit(self) -> None:
        rows, columns = max(1, self.size.height - 1), max(1, self.size.width)
        self.emulator.resize(rows, columns)
        self.session.resize(rows, columns)

    def on_key(self, event: events.Key) -> None:
        """Everything but the pane's own keys goes to the guest, and to no binding of ours."""
        event.stop()
        event.prevent_default()
        if self.state is ConsoleState.ATTACHED:
            # Keys that arrive together (typed fast, or a paste that came as keys) go in one
            # write: one at a time, virsh console forwarded about 20 a second.
            if not self._typed:
                self.set_timer(KEY_BATCH_SECONDS, self._send_typed)
            self._typed += key_to_bytes(event.key, event.character)
        elif event.key == "f" and self.state is ConsoleState.BUSY:
            self.post_message(self.Force(self))
        elif event.key == "r" and self.state is not ConsoleState.ATTACHING:
            self.attach()

    def _send_typed(self) -> None:
        typed, self._typed = bytes(self._typed), bytearray()
        if typed and self.state is ConsoleState.ATTACHED:
            self.session.send(typed)

    def on_paste(self, event: events.Paste) -> None:
        self._send_typed()  # (what was typed before it goes first)
        if self.state is ConsoleState.ATTACHED:
            self.session.send(event.text.replace("\r\n", "\r").replace("\n", "\r").encode())

    def action_scroll(self, pages: int) -> None:
        self.emulator.scroll(pages)
        self._take_frame(everything=True)
        self.refresh()

    def action_detach(self) -> None:
        self.post_message(self.Detach(self))

    def action_full_screen(self) -> None:
        self.post_message(self.FullScreen(self))

    def action_leave(self) -> None:
        self.post_message(self.Leave(self))

    def action_switch(self, step: int) -> None:
        self.post_message(self.Switch(self, step))

    def action_log(self) -> None:
        self.post_message(self.ToggleLog(self))

    @work(thread=True, exit_on_error=False, group="console-close")
    def close_session(self) -> None:
        """Detach on a thread: virsh gets up to 3 s to end by itself before it is killed."""
        self.session.detach()

    def on_unmount(self) -> None:
        """The app is quitting with this console open: leave no virsh behind, and do not wait."""
        self.session.kill()

    def log_path_suggestion(self) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in self.guest)
        return Path.home() / f"tuivirt-{safe}-{time.strftime('%Y%m%d-%H%M%S')}.log"

    # -- painting --------------------------------------------------------------------------

    def _status(self) -> str:
        state = STATE_TEXT[self.state] if self.state is not ConsoleState.FAILED else f"failed: {self.reason}"
        extra = " · scrolled back (shift+PgDn)" if self.emulator.scrolled_back else ""
        extra += " · logging" if self.session.logging else ""
        keys = f"{self._detach_label} detach · F11 full · F6 tables"
        return printable(f" {self.guest} on {self.host}: {state}{extra} · {keys}")

    def _style(self, cell: Cell, cursor: bool) -> Style:
        key = (cell.fg, cell.bg, cell.bold, cell.italics, cell.underscore, cell.reverse != cursor)
        style = self._styles.get(key)
        if style is None:
            style = Style(
                color=_colour(cell.fg),
                bgcolor=_colour(cell.bg),
                bold=cell.bold,
                italic=cell.italics,
                underline=cell.underscore,
                reverse=cell.reverse != cursor,
            )
            self._styles[key] = style
        return style

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y == 0:
            if self.emulator.size != (max(1, self.size.height - 1), max(1, width)):
                # Textual can size a pane without a Resize event: when its full map is rebuilt
                # between the mount and the next layout (a focus or scroll in between), the
                # layout finds the pane already there at that size and sends nothing. The
                # emulator then stayed 1x1 and the console showed nothing.
                self.call_later(self._refit)
            status = Style(bold=True, reverse=True) if self.has_focus else Style(reverse=True)
            return Strip([Segment(self._status()[:width].ljust(width), base + status)])
        row = y - 1
        strip = self._strips.get(row)
        if strip is None or strip.cell_length != width:
            strip = self._strips[row] = self._paint_row(row, width, base)
        return strip

    def _paint_row(self, row: int, width: int, base: Style) -> Strip:
        """One segment per run of cells with the same style: a line of plain text is one segment,
        not one per character (a full repaint during a flood was most of the UI's time)."""
        cells = self._frame.get(row)
        if cells is None:
            return Strip.blank(width, base)
        cursor_x = self._cursor[1] if self._cursor and self.has_focus and self._cursor[0] == row else -1
        segments = []
        run: list[str] = []
        run_style: Style | None = None
        for x, cell in enumerate(cells[:width]):
            if not cell.data:
                continue  # the right half of a wide character drawn just before
            style = self._style(cell, x == cursor_x)
            if style is not run_style and run:
                segments.append(Segment("".join(run), base + run_style if run_style else base))
                run = []
            run_style = style
            run.append(cell.data)
        if run:
            segments.append(Segment("".join(run), base + run_style if run_style else base))
        return Strip(segments).adjust_cell_length(width, base)

    def on_focus(self) -> None:
        self._strips.clear()  # the cursor shows only while focused
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()
