"""Write the customer template (``layers/spothive/data/customer-role.template.json`` by default).

``python -m infra.write_customer_template [--customer-template-out PATH]`` or
``python app.py --customer-template-out PATH``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.constants import CUSTOMER_TEMPLATE_PATH, PROJECT_ROOT


def customer_template() -> dict[str, Any]:
    """The customer stack synthesized to a plain CloudFormation template."""
    sys.path.insert(0, str(PROJECT_ROOT / "layers"))
    from infra.application import build_app

    with tempfile.TemporaryDirectory(prefix="spothive-cdk-") as outdir:
        built = build_app(outdir=outdir, context={"aws:cdk:disable-asset-staging": True})
        assembly = built.app.synth()
        return dict(assembly.get_stack_by_name(built.customer.stack_name).template)


def render(template: dict[str, Any]) -> str:
    """Stable JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(template, indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Synthesize and write the template; print where it went."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customer-template-out", type=Path, default=CUSTOMER_TEMPLATE_PATH)
    args = parser.parse_args(argv)
    out: Path = args.customer_template_out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(customer_template()), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
