#!/usr/bin/env bash
# Set this machine up, define and start the demo guest, and open tuivirt on the local libvirt.
# Extra arguments go to tuivirt (for example: bash scripts/run.sh --readonly).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-host.sh
.venv/bin/python -m tuivirt.testbed.testguest define tuivirt-demo --start
exec .venv/bin/tuivirt -c qemu:///system "$@"
