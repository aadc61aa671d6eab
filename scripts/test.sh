#!/usr/bin/env bash
# Set this machine up and run every check: lint, types, and the three test layers
# (unit, app on libvirt's test driver, integration on the real daemon with a booted guest).
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
.venv/bin/python -m tuivirt.testbed.testguest build
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
# pytest fails on a failed test, on an interrupted run (2) and on a run that collects nothing (5).
.venv/bin/pytest -p no:cacheprovider tests/unit tests/app tests/integration "$@"
