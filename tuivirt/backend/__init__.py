"""The libvirt side of tuivirt: connections, polling, snapshots, test guests.

Nothing here imports Textual (tests/unit/test_import_boundary.py checks it), so every
module can be driven from a plain script, and every call here may block: callers run
them off the UI loop.
"""

import libvirt


def _ignore_libvirt_error(_ctx: object, _err: object) -> None:
    """libvirt prints every error to stderr by default, over the TUI; we report them ourselves."""


libvirt.registerErrorHandler(_ignore_libvirt_error, None)
