"""``python -m perf_lint``."""

import sys

from perf_lint.cli import main

sys.exit(main())
