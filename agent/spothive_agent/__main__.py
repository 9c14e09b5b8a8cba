"""``python -m spothive_agent``."""

import sys

from spothive_agent.cli import main

sys.exit(main())
