"""Helpers shared by the benchmark scripts: statistics, markdown rows, libvirt RPC log counting.

The scripts import this module as a sibling (``python benchmarks/bench_x.py`` puts
``benchmarks/`` on ``sys.path``); it imports nothing from Textual or libvirt.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

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
    import subprocess

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
