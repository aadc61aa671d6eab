"""A reply for a screen that was closed is dropped (`e` then Esc before the read came back once
ended the app); a job that raises something other than a HostCallError is reported, not lost; an
internal error ends the app with status 1 and one line naming the file that holds its traceback."""

from __future__ import annotations

import stat
import threading

import pytest
from textual import on
from textual.screen import Screen

from tests.conftest import wait_until
from tuivirt.app import TuivirtApp
from tuivirt.backend.fleet.fleet import HostCallError
from tuivirt.backend.live.models import HostConfig
from tuivirt.cli import demo_uri
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.plain import Plain

DEMO = HostConfig("demo", demo_uri())


class Answer(HostReply[str]):
    pass


class Asking(Screen[None]):
    def __init__(self) -> None:
        super().__init__()
        self.answers: list[str | HostCallError] = []

    def compose(self):  # type: ignore[no-untyped-def]
        yield Plain("asking…", id="status")

    @on(Answer)
    def _answered(self, message: Answer) -> None:
        self.query_one("#status", Plain).update(str(message.outcome))  # NoMatches once popped
        self.answers.append(message.outcome)


async def test_a_reply_for_a_closed_screen_is_dropped() -> None:
    app = TuivirtApp([DEMO], refresh=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        release = threading.Event()
        screen = Asking()
        await app.push_screen(screen)
        call_host(screen, lambda: "read" if release.wait(10) else "timeout", Answer)
        app.pop_screen()
        await pilot.pause(0.1)
        release.set()
        await pilot.pause(0.5)
        assert app.is_running and screen.answers == []


async def test_a_job_that_raises_anything_is_reported() -> None:
    app = TuivirtApp([DEMO], refresh=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = Asking()
        await app.push_screen(screen)

        def job() -> str:
            raise OverflowError("int too large to convert")

        call_host(screen, job, Answer)
        await wait_until(pilot, lambda: bool(screen.answers))
        outcome = screen.answers[0]
        assert isinstance(outcome, HostCallError) and "OverflowError: int too large" in str(outcome)


async def test_an_internal_error_exits_1_with_a_pointer_to_its_traceback(
    capfd: pytest.CaptureFixture[str],
) -> None:
    app = TuivirtApp([DEMO], refresh=3600)

    def boom() -> None:
        raise RuntimeError("a bug [/x] \x1b]0;T\x07")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=(80, 24)) as pilot:
            app.call_later(boom)
            await pilot.pause(0.5)
    assert app.return_code == 1
    report = app.crash_file
    assert report is not None
    said = " ".join(capfd.readouterr().err.split())  # (wrapped at the console's width)
    assert f"tuivirt stopped on an internal error; the traceback is in {report}" in said
    assert "\x1b" not in said
    assert "RuntimeError: a bug [/x]" in report.read_text()
    assert stat.S_IMODE(report.stat().st_mode) == 0o600


async def test_every_toast_is_plain_text() -> None:
    """Each widget's notify lands in TuivirtApp.notify: the screens' f-string toasts, which name
    guests and quote libvirt's reasons, are never markup and carry no control character."""
    app = TuivirtApp([DEMO], refresh=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        app.main.notify("Revert [red]x: Domain snapshot not found [/etc/fstab]\x1b]0;T\x07", title="[b]\r")
        await pilot.pause()
        (shown,) = list(app._notifications)
        assert not shown.markup
        assert shown.message == "Revert [red]x: Domain snapshot not found [/etc/fstab]\\x1b]0;T\\x07"
        assert shown.title == "[b]\\r"
