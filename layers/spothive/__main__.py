"""``python -m spothive`` runs the CLI."""

import sys

from spothive.cli import main

sys.exit(main())
