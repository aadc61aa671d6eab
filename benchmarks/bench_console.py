"""Console pane in a real terminal: keystroke to echo, and keys the app answers while the guest floods.

Needs the real daemon and the test guest (scripts/setup-host.sh). tuivirt runs in tmux (160x50,
a tmux server of the benchmarks' own) on qemu:///system with a throwaway test guest booted under
TCG; every time is from the key written to the terminal (`tmux send-keys`) until the changed
frame is read back from it (`tmux capture-pane`, polled every 5 ms):

    .venv/bin/python benchmarks/bench_console.py [--keys 30] [--presses 10]

- echo: a letter typed at the guest's shell prompt until it shows on the screen; then 200
  characters written at once (``tmux send-keys -l``) until the last shows;
- idle: the tuivirt process's CPU (% of one core) over ``--idle`` (10) seconds with the pane
  open and the guest quiet, fresh and after 500, 3,000 and 10,000 lines of scrollback;
- during `yes` in the guest: F11 (full screen on, then off: the hosts table's header goes and
  comes back), then, after F6 gave the tables the keys, `?` (the keys screen shows) and Esc.

PYTHONPATH=/some/export measures another copy (e.g. the commit before, from `git archive`).
"""

from __future__ import annotations

import argparse
import math
import signal
import time
import uuid
from collections.abc import Callable

import libvirt
from benchlib import (
    capture,
    cpu_seconds,
    kill_session,
    launch,
    md_table,
    median,
    own_tmux_server,
    p95,
    raise_exit,
    source_note,
    tmux,
    tuivirt_pid,
    wait_for,
    wait_until,
)

from tuivirt.testbed import testguest

URI = "qemu:///system"
SESSION = "console"
POLL = 0.005
TIMEOUT = 30.0  # seconds a key may take before it counts as not answered
HOSTS_HEADER = "Host▲"  # the hosts table's sorted column title, gone in full screen


def timed(key: str, done: Callable[[str], bool], timeout: float = TIMEOUT) -> float:
    """Milliseconds from ``key`` sent to the first captured screen where ``done`` holds; infinity
    when it did not within ``timeout`` seconds (reported as a timeout, not averaged)."""
    started = time.perf_counter()
    tmux("send-keys", "-t", SESSION, key)
    try:
        return (wait_until(SESSION, done, POLL, timeout) - started) * 1000
    except RuntimeError:
        return math.inf


def echo_latencies(count: int) -> list[float]:
    times = []
    for i in range(count):
        letter = "abcdefghij"[i % 10]
        before = capture(SESSION).count(letter)

        def shown(screen: str, b: int = before, c: str = letter) -> bool:
            return screen.count(c) > b

        times.append(timed(letter, shown))
    tmux("send-keys", "-t", SESSION, "C-u")
    return times


def burst_echo(count: int = 200) -> float:
    """Milliseconds from ``count`` characters written at once to the last one shown."""
    before = capture(SESSION).count("Z")
    started = time.perf_counter()
    tmux("send-keys", "-t", SESSION, "-l", "Z" * count)
    try:
        shown = wait_until(SESSION, lambda s: s.count("Z") >= before + count, POLL, 60)
    except RuntimeError:
        return math.inf
    finally:
        tmux("send-keys", "-t", SESSION, "C-u")
    return (shown - started) * 1000


def printed(last: int) -> Callable[[str], bool]:
    """Whether the screen shows ``last`` as a line of its own (the end of `seq 1 LAST`)."""
    return lambda screen: any(
        line.rstrip("│ ").endswith(f" {last}") or line.strip("│ ") == str(last)
        for line in screen.splitlines()
    )


def idle_cpu(pid: int, seconds: float) -> list[tuple[str, float]]:
    """CPU % of one core while the guest is quiet, fresh and after more and more scrollback."""
    figures = []
    for lines, label in ((0, "fresh"), (500, "500 lines"), (2500, "3,000 lines"), (7000, "10,000 lines")):
        if lines:
            tmux("send-keys", "-t", SESSION, f"seq 1 {lines}", "Enter")
            wait_until(SESSION, printed(lines), POLL, 120)
            time.sleep(2)
        started, cpu = time.monotonic(), cpu_seconds(pid)
        time.sleep(seconds)
        figures.append((label, 100 * (cpu_seconds(pid) - cpu) / (time.monotonic() - started)))
    return figures


def flood_latencies(presses: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"F11 on": [], "F11 off": [], "?": [], "Esc": []}
    for _ in range(presses):
        times["F11 on"].append(timed("F11", lambda s: HOSTS_HEADER not in s))
        times["F11 off"].append(timed("F11", lambda s: HOSTS_HEADER in s))
        tmux("send-keys", "-t", SESSION, "F6")  # the tables take the keys (the pane sends ? to the guest)
        wait_until(SESSION, lambda s: "? Keys" in s.splitlines()[-1], POLL)
        times["?"].append(timed("?", lambda s: "Keys: guests and hosts" in s))
        if times["?"][-1] < math.inf:
            times["Esc"].append(timed("Escape", lambda s: "Keys: guests and hosts" not in s))
        else:  # it may still come: let it, then close it untimed
            wait_until(SESSION, lambda s: "Keys: guests and hosts" in s, POLL, 300)
            tmux("send-keys", "-t", SESSION, "Escape")
            wait_until(SESSION, lambda s: "Keys: guests and hosts" not in s, POLL, 300)
        tmux("send-keys", "-t", SESSION, "c")  # back into the console pane
        wait_until(SESSION, lambda s: "f6 Tables" in s.splitlines()[-1], POLL)
        time.sleep(0.2)
    return times


def run(name: str, keys: int, presses: int, idle: float) -> None:
    launch(SESSION, [URI], 2, {})
    pid = tuivirt_pid(SESSION)
    wait_for(SESSION, name, 0.05, 30)
    tmux("send-keys", "-t", SESSION, "/", *name, "Enter")
    time.sleep(0.5)
    tmux("send-keys", "-t", SESSION, "c")
    wait_for(SESSION, "attached", 0.05, 30)
    deadline = time.monotonic() + 60
    while testguest.PROMPT.strip() not in capture(SESSION):
        assert time.monotonic() < deadline, capture(SESSION)
        tmux("send-keys", "-t", SESSION, "Enter")
        time.sleep(1)
    echo = echo_latencies(keys)
    burst = [burst_echo() for _ in range(3)]
    quiet = idle_cpu(pid, idle)
    tmux("send-keys", "-t", SESSION, "yes", "Enter")
    wait_until(SESSION, lambda s: sum(line.endswith("│y") for line in s.splitlines()) > 10, 0.05, 30)
    cpu_before = time.monotonic()
    flood = flood_latencies(presses)
    seconds = time.monotonic() - cpu_before
    tmux("send-keys", "-t", SESSION, "C-c")
    kill_session(SESSION, pid)

    print(f"Measured: {source_note()}")
    figures = {
        "echo of a typed letter": echo,
        "200 characters at once, to the last echoed": burst,
        **{f"{key} during `yes`": v for key, v in flood.items()},
    }
    rows = [[what, *_figures(values)] for what, values in figures.items()]
    headers = ["key to frame read back (ms)", "median", "p95", "max", "n", f"not answered in {TIMEOUT:g} s"]
    print(md_table(headers, rows))
    print(f"\n{sum(len(v) for v in flood.values())} keys during {seconds:.0f} s of `yes`.")
    print(
        "\n" + md_table(["idle pane, guest quiet", "CPU % of one core"], [[w, f"{c:.2f}"] for w, c in quiet])
    )


def _figures(values: list[float]) -> list[object]:
    """median, p95 and max of the keys answered (max "-" when some were not), n, not answered."""
    answered = [v for v in values if v < math.inf] or [math.inf]
    worst = "-" if len(answered) < len(values) else f"{max(answered):.1f}"
    return [
        f"{median(answered):.1f}",
        f"{p95(answered):.1f}",
        worst,
        len(values),
        len(values) - len(answered),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--keys", type=int, default=30, help="letters typed for the echo figure")
    parser.add_argument("--presses", type=int, default=10, help="rounds of F11, F11, ?, Esc in the flood")
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of each idle CPU window")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, raise_exit)
    signal.signal(signal.SIGHUP, raise_exit)
    conn = libvirt.open(URI)
    name = f"tuivirt-bench-console-{uuid.uuid4().hex[:6]}"
    dom = testguest.define(conn, name)
    try:
        dom.create()
        with own_tmux_server():
            run(name, args.keys, args.presses, args.idle)
    finally:
        if dom.isActive():
            dom.destroy()
        dom.undefine()
        conn.close()


if __name__ == "__main__":
    main()
