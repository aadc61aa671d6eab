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
    for contract in (
        "UI: main > registry > features side by side > shared KEPT",
        "The main screen imports no feature (it has the registry) KEPT",
        "Backend: features side by side on ops/common; clone builds on storage KEPT",
    ):
        assert contract in " ".join(result.stdout.split()), contract


def test_every_feature_has_a_folder_on_each_side_where_it_reaches_libvirt() -> None:
    """ui/<feature>/ and backend/ops/<feature>/ share names; nothing loose at the top of ui/ but
    the package's face and the registry."""
    ui = ROOT / "tuivirt" / "ui"
    loose = sorted(p.name for p in ui.glob("*.py"))
    assert loose == ["__init__.py", "registry.py"]
    ops = {
        p.name
        for p in (ROOT / "tuivirt" / "backend" / "ops").iterdir()
        if p.is_dir() and p.name != "__pycache__"
    }
    ui_features = {
        p.name for p in ui.iterdir() if p.is_dir() and p.name not in ("__pycache__", "shared", "main")
    }
    assert ops - {"common"} <= ui_features, ops - ui_features
    assert [p.name for p in (ROOT / "tuivirt" / "backend" / "ops").glob("*.py")] == ["__init__.py"]


def test_no_module_is_over_400_lines() -> None:
    sizes = {p: len(p.read_text().splitlines()) for p in (ROOT / "tuivirt").rglob("*.py")}
    big = {str(p.relative_to(ROOT)): n for p, n in sizes.items() if n > 400}
    assert not big
    assert sizes[ROOT / "tuivirt" / "ui" / "main" / "screen.py"] < 340  # (407 before the registry)


def test_no_module_imports_itself_back() -> None:
    """Module by module (import-linter's acyclic contract looks at packages): a cycle means one
    of its modules imports inside a function or under TYPE_CHECKING to dodge it."""
    graph = grimp.build_graph("tuivirt")
    edges = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None
