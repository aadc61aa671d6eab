"""``python -m tuivirt``."""

import sys

from tuivirt.cli import main

sys.exit(main())
