"""The local stack for the console's browser tests: free ports, no ticker, a demo customer in the emulator.

Prints one JSON line (``api_url``, ``role_arn``, ``aws_account_id``, ``snapshot_file``, ``admin``) once the API
serves, then keeps serving until stdin closes or SIGTERM arrives. The browser test signs up, links and
verifies through the console itself; this only creates the customer's AWS side, as the demo does.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import threading
from pathlib import Path

from spothive.commands.admin import create_super_admin
from spothive.local.demo import demo_snapshot
from spothive.local.demo_customer import seed_customer
from spothive.local.runtime import LocalConfig, LocalStack

CUSTOMER_ACCOUNT = "310987654321"
ADMIN = {"email": "owner@spothive.example", "password": "Owner-Password-2026!"}


def main() -> int:
    """Start, seed, announce, serve until told to stop."""
    # the live switch's polled steps wait 1 s, not 5: the Lab's dry run in the journey ends in seconds
    os.environ.setdefault("SPOTHIVE_LIVE_SWITCH_POLL_SECONDS", "1")
    data_dir = Path(tempfile.mkdtemp(prefix="spothive-e2e-"))
    config = LocalConfig(api_port=0, moto_port=0, redis_port=0, data_dir=data_dir, ticker=False, access_log=False)
    stack = LocalStack(config)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    stack.start()
    try:
        customer = seed_customer(CUSTOMER_ACCOUNT, cluster_name="acme-prod")
        snapshot = data_dir / "snapshot.json"
        snapshot.write_text(json.dumps(demo_snapshot(customer)), encoding="utf-8")
        create_super_admin(ADMIN["email"], ADMIN["password"])
        print(json.dumps({"api_url": stack.api_url, "role_arn": customer.role_arn,
                          "aws_account_id": customer.aws_account_id, "snapshot_file": str(snapshot),
                          "data_dir": str(data_dir), "admin": ADMIN}), flush=True)
        threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
        done.wait()
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
