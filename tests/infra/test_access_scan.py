"""Given a static scan of each function's modules, infra grants the tables and settings the code reaches."""

from __future__ import annotations

import pytest

from infra.access import AHEAD_OF_CODE, NOT_GRANTED, TABLE_ACCESS
from infra.code_scan import reach
from infra.wiring import REQUIRED_SETTINGS
from spothive import topology
from spothive.adapters.dynamo.schema import ALL_TABLES
from spothive.settings import Settings

_OPT_SHARED = ("Container.optimization builds the snapshot store and the hot-swappable risk model for every "
               "step, and only {step} uses it")
_NO_SNAPSHOTS = _OPT_SHARED.format(step="detect")
_NO_MODEL = _OPT_SHARED.format(step="assess_risk") + "; an announced model that cannot load keeps the heuristic"
_NO_CACHE = ("not a needs_redis function: the step never touches the cache, and the risk model's catch-up "
             "read and listener, built with Container.optimization, fail soft without it")

#: Required settings a function reaches but may go without, with the reason.
OPTIONAL_HERE = {
    **{(name, "data_bucket"): _NO_SNAPSHOTS for name in (
        "opt-risk", "opt-decide", "opt-execute", "opt-compensate", "opt-audit")},
    **{(name, "model_bucket"): _NO_MODEL for name in (
        "opt-detect", "opt-decide", "opt-execute", "opt-compensate", "opt-audit")},
    ("opt-decide", "redis_url"): _NO_CACHE,
    ("opt-audit", "redis_url"): _NO_CACHE,
}


def _env(synth, name: str) -> dict:
    fn = synth.built.hub.functions[name]
    return synth.hub["Resources"][synth.logical_id(fn)]["Properties"]["Environment"]["Variables"]


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_every_table_the_code_reaches_is_granted(spec):
    reached = reach(spec).tables
    granted = set(TABLE_ACCESS[spec.name])
    excused = set(NOT_GRANTED.get(spec.name, {}))
    assert reached - granted - excused == set(), "grant these in infra/access.py or excuse them in NOT_GRANTED"
    # And an excuse is only kept while the scan still reaches the table without a grant
    assert excused <= reached - granted


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_every_grant_is_reached_by_the_code_or_explained(spec):
    scan = reach(spec)
    ahead = AHEAD_OF_CODE.get(spec.name, {})
    extra = set(TABLE_ACCESS[spec.name]) - scan.tables
    if "*" in ahead:
        # Then only functions whose modules are still missing are granted wholesale ahead of the code
        assert scan.missing, f"{spec.name}: its code exists now; list its grants table by table"
        return
    assert extra == set(ahead), "derive the grant from the code or explain it in AHEAD_OF_CODE"


def test_the_access_lists_name_real_tables_and_functions():
    tables = {t.suffix for t in ALL_TABLES}
    names = {s.name for s in topology.ALL_FUNCTIONS}
    assert set(TABLE_ACCESS) == names
    assert set(NOT_GRANTED) <= names and set(AHEAD_OF_CODE) <= names
    for mapping in (TABLE_ACCESS, NOT_GRANTED, AHEAD_OF_CODE):
        for access in mapping.values():
            assert set(access) - {"*"} <= tables
    for mapping in (NOT_GRANTED, AHEAD_OF_CODE):
        assert all(len(reason) >= 30 for access in mapping.values() for reason in access.values())


def test_the_scan_sees_the_known_access_patterns():
    # Guards the scanner itself against silently finding nothing
    by_name = {s.name: reach(s) for s in topology.ALL_FUNCTIONS}
    assert {"users", "orgs", "accounts", "audit-logs"} <= by_name["api-auth"].tables
    assert {"clusters", "audit-logs"} <= by_name["api-clusters"].tables
    assert {"ml-models", "audit-logs"} <= by_name["api-admin"].tables
    assert {"accounts", "instances"} <= by_name["worker-spot-events"].tables
    assert "interruption-rates" in by_name["worker-advisor"].tables
    assert "data_bucket" in by_name["api-clusters"].settings
    assert "exports_bucket" in by_name["api-audit"].settings
    assert "model_bucket" in by_name["api-admin"].settings


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_env_holds_every_required_setting_the_code_reads(synth, spec):
    scan = reach(spec)
    fields = set(Settings.model_fields)
    assert scan.settings - fields <= {"regions", "issuer", "jwks_url"}  # properties, not fields
    env = _env(synth, spec.name)
    for setting in sorted(scan.settings & REQUIRED_SETTINGS):
        if (spec.name, setting) in OPTIONAL_HERE:
            # an excuse is only kept while the variable is really missing
            assert not env.get(f"SPOTHIVE_{setting.upper()}"), f"{spec.name}: drop OPTIONAL_HERE for {setting}"
            continue
        variable = f"SPOTHIVE_{setting.upper()}"
        assert env.get(variable), f"{spec.name} reads {setting} but {variable} is not set"


@pytest.mark.parametrize("spec", topology.ALL_FUNCTIONS, ids=lambda s: s.name)
def test_every_function_knows_its_tables_and_region(synth, spec):
    env = _env(synth, spec.name)
    assert env["SPOTHIVE_TABLE_PREFIX"] == "spothive"
    assert env["SPOTHIVE_REGION"] == {"Ref": "AWS::Region"}
    assert ("SPOTHIVE_REDIS_URL" in env) is spec.needs_redis


def test_deploy_doc_lists_every_function_with_its_tables():
    from infra.constants import PROJECT_ROOT

    rows = {line.split("|")[1].strip().split("`")[1]: line for line in
            (PROJECT_ROOT / "docs" / "deploy.md").read_text(encoding="utf-8").splitlines()
            if line.startswith("| `") and line.count("|") == 5}
    for name, access in TABLE_ACCESS.items():
        cells = rows[name].split("|")[2]
        assert {part.strip() for part in cells.split(",") if part.strip() != "—"} == {
            f"{table} ({mode})" for table, mode in access.items()}, name
