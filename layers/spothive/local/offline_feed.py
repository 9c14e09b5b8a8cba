"""An offline Spot Advisor feed for the local stack, written from the built-in catalog snapshot.

The local stack has no internet; the advisor worker reads this file instead of the public feed, so the
scraper, the interruption-rate history and the model context all run locally on the same buckets the
catalog prices with.
"""

from __future__ import annotations

import json
from pathlib import Path

from spothive.domain.catalog import load_builtin_catalog

FILE_NAME = "spot-advisor-feed.json"


def write_offline_feed(data_dir: Path) -> Path:
    """Write ``<data_dir>/spot-advisor-feed.json`` in the public feed's format and return its path."""
    catalog = load_builtin_catalog()
    types = {name: {"r": entry.bucket, "s": entry.savings_pct} for name, entry in sorted(catalog.advisor.items())}
    feed = {
        "ranges": [
            {"index": 0, "label": "<5%"}, {"index": 1, "label": "5-10%"}, {"index": 2, "label": "10-15%"},
            {"index": 3, "label": "15-20%"}, {"index": 4, "label": ">20%"},
        ],
        "spot_advisor": {catalog.region: {"Linux": types}},
    }
    path = data_dir / FILE_NAME
    path.write_text(json.dumps(feed, indent=1), encoding="utf-8")
    return path
