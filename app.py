#!/usr/bin/env python3
"""SpotHive CDK app: ``npx cdk synth`` / ``npx cdk deploy SpotHiveHub``.

``python app.py --customer-template-out PATH`` writes the customer template (plain CloudFormation).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "layers"))

from infra.application import build_app
from infra.write_customer_template import main as write_customer_template

if __name__ == "__main__":
    if "--customer-template-out" in sys.argv:
        sys.exit(write_customer_template(sys.argv[1:]))
    build_app(outdir=os.environ.get("CDK_OUTDIR", "cdk.out")).app.synth()
