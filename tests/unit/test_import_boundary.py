"""The backend must stay usable without the UI: importing it may not pull in Textual."""

import pkgutil
import subprocess
import sys

import tuivirt.backend

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
