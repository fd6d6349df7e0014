"""``python -m trailwatch.maint``: the maintainers' commands (trailwatch.maint.cli)."""

import sys

from trailwatch.maint.cli import main

sys.exit(main())
