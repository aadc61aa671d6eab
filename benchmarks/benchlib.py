"""Helpers shared by the benchmark scripts: statistics, markdown rows, libvirt RPC log counting,
and driving the app in tmux (sessions, its process, its CPU time and memory).

The scripts import this module as a sibling (``python benchmarks/bench_x.py`` puts
``benchmarks/`` on ``sys.path``); it imports nothing from Textual or libvirt.
"""

from __future__ import annotations

import math
import os
import re
import shlex
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

REPO = Path(__file__).resolve().parent.parent
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
TUIVIRT_BIN = REPO / ".venv" / "bin" / "tuivirt"

# remote_protocol.x procedure numbers of the calls tuivirt makes (checked against libvirt 9.0's log).
PROC_NAMES = {
    1: "CONNECT_OPEN",
    2: "CONNECT_CLOSE",
    3: "CONNECT_GET_TYPE",
    4: "CONNECT_GET_VERSION",
    6: "NODE_GET_INFO",
    16: "DOMAIN_GET_INFO",
    59: "CONNECT_GET_HOSTNAME",
    102: "NODE_GET_FREE_MEMORY",
    157: "CONNECT_GET_LIB_VERSION",
    227: "NODE_GET_CPU_STATS",
    273: "CONNECT_LIST_ALL_DOMAINS",
    344: "CONNECT_GET_ALL_DOMAIN_STATS",
}

_TX = "RPC_CLIENT_MSG_TX_QUEUE"
_PROC = re.compile(r"\bproc=(\d+)\b")


def median(values: Sequence[float]) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def p95(values: Sequence[float]) -> float:
    """Nearest-rank 95th percentile (the largest value for fewer than 20 samples)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def libvirt_log_env(log_file: Path) -> dict[str, str]:
    """Environment that makes libvirt's client library log every RPC it sends to ``log_file``."""
    return {"LIBVIRT_LOG_FILTERS": "1:rpc", "LIBVIRT_LOG_OUTPUTS": f"1:file:{log_file}"}


def file_size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def count_rpc_calls(log_file: Path, offset: int = 0, end: int | None = None) -> tuple[int, Counter[int]]:
    """RPC calls (messages of type 0, CALL) the client queued in ``log_file[offset:end]``.

    Returns the count and a histogram by procedure number. Keepalive messages (type 2) and
    stream data are not calls and are not counted.
    """
    with log_file.open("rb") as fh:
        fh.seek(offset)
        data = fh.read() if end is None else fh.read(max(0, end - offset))
    procs: Counter[int] = Counter()
    for raw in data.decode(errors="replace").splitlines():
        if _TX in raw and " type=0 " in raw + " ":
            match = _PROC.search(raw)
            procs[int(match.group(1)) if match else -1] += 1
    return sum(procs.values()), procs


def describe_procs(procs: Counter[int], per: float = 1.0) -> str:
    """``GET_ALL_DOMAIN_STATS 1, NODE_GET_CPU_STATS 2, …`` per ``per`` (ticks or minutes)."""
    parts = []
    for proc, count in procs.most_common():
        name = PROC_NAMES.get(proc, f"proc {proc}").removeprefix("CONNECT_")
        value = count / per
        parts.append(f"{name} {value:.0f}" if abs(value - round(value)) < 0.05 else f"{name} {value:.2f}")
    return ", ".join(parts) or "none"


def source_note() -> str:
    """Which tuivirt is measured: its folder and, when it is a git work tree, commit and dirty state.

    ``PYTHONPATH=/some/export`` measures another copy (e.g. ``git archive HEAD`` unpacked).
    """
    import tuivirt

    folder = Path(tuivirt.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(folder), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no", "tuivirt"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        state = f"commit {commit}" + (" + uncommitted changes in tuivirt/" if dirty else "")
    except (subprocess.CalledProcessError, FileNotFoundError):
        state = "not a git work tree"
    return f"tuivirt {tuivirt.__version__} from {folder} ({state})"


# -- the app in tmux ------------------------------------------------------------------------------
# One tmux server of the benchmarks' own (``tmux -L tuivirt-bench``), killed at the start and at the
# end of a script: run the terminal benchmarks one at a time.

SOCKET = "tuivirt-bench"
WIDTH, HEIGHT = 160, 50
CLK_TCK = os.sysconf("SC_CLK_TCK")


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=True, timeout=30
    ).stdout


def capture(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


@contextmanager
def own_tmux_server() -> Iterator[None]:
    subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True, check=False)
    try:
        yield
    finally:
        subprocess.run(["tmux", "-L", SOCKET, "kill-server"], capture_output=True, check=False)


def raise_exit(signum: int, _frame: FrameType | None) -> None:
    """Signal handler for SIGTERM and SIGHUP: runs the finally blocks (the tmux server goes)."""
    raise SystemExit(128 + signum)


def kill_session(session: str, pid: int | None) -> None:
    """Close the session (tuivirt gets SIGHUP) and wait until its process is gone."""
    subprocess.run(["tmux", "-L", SOCKET, "kill-session", "-t", session], capture_output=True, check=False)
    if pid is None:
        return
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    if Path(f"/proc/{pid}").exists():  # our own process, by its PID
        os.kill(pid, signal.SIGKILL)


def launch(session: str, uris: Sequence[str], refresh: float, env: Mapping[str, str]) -> None:
    """Start tuivirt on ``uris`` in a new detached WIDTHxHEIGHT session; ``exec`` so the pane's
    process is tuivirt."""
    assigns = [f"{k}={v}" for k, v in env.items()]
    if "PYTHONPATH" in os.environ:  # the tmux server's environment may predate ours
        assigns.append(f"PYTHONPATH={os.environ['PYTHONPATH']}")
    hosts = [arg for uri in uris for arg in ("-c", uri)]
    command = shlex.join(["env", *assigns, str(TUIVIRT_BIN), *hosts, "--refresh", f"{refresh:g}"])
    tmux("new-session", "-d", "-s", session, "-x", str(WIDTH), "-y", str(HEIGHT), f"exec {command}")


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with suppress(OSError):
            found += [int(p) for p in (task / "children").read_text().split()]
    return found


def tuivirt_pid(session: str, timeout: float = 10) -> int:
    """The python process running tuivirt: the pane's process, or one of its descendants."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pane = int(tmux("display", "-p", "-t", session, "#{pane_pid}").strip())
        todo = [pane]
        while todo:
            pid = todo.pop(0)
            args = _cmdline(pid)
            if any("python" in Path(a).name for a in args[:1]) and any(a.endswith("tuivirt") for a in args):
                return pid
            todo += _children(pid)
        time.sleep(0.02)
    raise RuntimeError(f"no tuivirt python process under the pane of {session}")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def cpu_seconds(pid: int) -> float:
    """utime + stime of ``pid`` (all its threads), in seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of proc(5)


def libvirtd_pid() -> int | None:
    try:
        return int(Path("/run/libvirtd.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def wait_until(session: str, done: Callable[[str], bool], poll: float, timeout: float = 60) -> float:
    """Poll the pane until ``done(screen)``; the perf_counter time that screen was captured."""
    deadline = time.perf_counter() + timeout
    while True:
        if done(capture(session)):
            return time.perf_counter()
        if time.perf_counter() > deadline:
            raise RuntimeError(
                f"the screen of {session} not as awaited within {timeout} s:\n{capture(session)}"
            )
        time.sleep(poll)


def wait_for(session: str, text: str, poll: float, timeout: float = 60) -> float:
    """Poll the pane until ``text`` shows; the perf_counter time it was first seen."""
    return wait_until(session, lambda screen: text in screen, poll, timeout)


def wait_stable(session: str, seconds: float = 1.0, timeout: float = 60) -> str:
    """The pane's text once it has not changed for ``seconds``."""
    deadline = time.monotonic() + timeout
    last, since = capture(session), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = capture(session)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return now
    raise RuntimeError(f"the screen of {session} never settled")
