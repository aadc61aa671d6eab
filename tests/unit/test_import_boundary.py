"""The backend must stay usable without the UI: importing it may not pull in Textual."""

import graphlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import grimp

import tuivirt.backend

ROOT = Path(__file__).resolve().parents[2]

BACKEND_MODULES = [m.name for m in pkgutil.walk_packages(tuivirt.backend.__path__, "tuivirt.backend.")]


def test_every_backend_module_is_checked() -> None:
    wanted = {"tuivirt.backend.live.session", "tuivirt.backend.fleet.fleet", "tuivirt.backend.console.virsh"}
    assert wanted <= set(BACKEND_MODULES)


def test_backend_imports_no_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in BACKEND_MODULES)
        + "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_cli_imports_no_textual() -> None:
    """`tuivirt --help`, `--version` and `tuivirt list` answer without loading the UI."""
    code = "import sys\nfrom tuivirt import cli\nprint('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_import_contracts_hold() -> None:
    """The contracts in pyproject.toml: layers app > ui > backend, no Textual in the backend."""
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_no_module_imports_itself_back() -> None:
    """Module by module (import-linter's acyclic contract looks at packages): a cycle means one
    of its modules imports inside a function or under TYPE_CHECKING to dodge it."""
    graph = grimp.build_graph("tuivirt")
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None
