"""The backend must stay usable without the UI: importing it may not pull in Textual."""

import subprocess
import sys

from tuivirt.backend import connection, inventory, models, session, testguest

BACKEND_MODULES = [m.__name__ for m in (connection, inventory, models, session, testguest)]


def test_backend_imports_no_textual() -> None:
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in BACKEND_MODULES)
        + "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_cli_help_imports_no_textual() -> None:
    """`tuivirt --help` and `--version` answer without loading the UI."""
    code = "import sys\nfrom tuivirt import cli\nprint('textual' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
