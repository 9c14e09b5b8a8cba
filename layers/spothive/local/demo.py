"""The local demo: a customer signs up, links an AWS account, and sees what SpotHive finds and saves.

Everything goes through the real API over HTTP and the real workers: the demo customer's EKS cluster
lives in moto (an account of its own, reached through STS AssumeRole with the External ID), discovery
runs as the worker function, prices come from the built-in catalog snapshot.
"""

from __future__ import annotations

import json
import random
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from spothive.local.demo_customer import DEMO_NODES, DemoCustomer, seed_customer

DEMO_AWS_ACCOUNT = "210987654321"
DEMO_EMAIL = "ops@acme.example"
DEMO_PASSWORD = "Demo-Password-2026!"
#: A second cluster whose nodes are a self-managed Auto Scaling group, and a schedule tag for two instances.
BATCH_CLUSTER = "staging-batch"
OFFICE_HOURS = "office-hours"


class DemoError(RuntimeError):
    """The demo could not complete a step; the message says which and why."""


#: Polling discovery: first wait, growth factor, longest wait (seconds). 120 s of waiting costs at most
#: ~30 requests, well inside the API's 100 a minute per caller.
POLL_FIRST, POLL_FACTOR, POLL_MAX = 0.5, 1.5, 5.0
#: How often a 429 is waited out (its Retry-After, capped) before the demo gives up.
RATE_LIMIT_RETRIES, RATE_LIMIT_MAX_WAIT = 3, 30.0


class _Api:
    """A tiny JSON client for the local API (standard library only); waits out a 429's Retry-After."""

    def __init__(self, base: str, sleep: Callable[[float], None] = time.sleep, out: Any = print) -> None:
        self.base = base.rstrip("/")
        self.token: str | None = None
        self.calls = 0
        self._sleep = sleep
        self._out = out

    def call(self, method: str, path: str, body: Any = None, expect: tuple[int, ...] = (200, 201)) -> Any:
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            status, document, retry_after = self._once(method, path, body)
            if status != 429 or 429 in expect or attempt == RATE_LIMIT_RETRIES:
                break
            wait = min(RATE_LIMIT_MAX_WAIT, retry_after)
            self._out(f"  rate limited on {method} {path}; waiting {wait:.0f}s")
            self._sleep(wait)
        if status not in expect:
            raise DemoError(f"{method} {path} answered {status}: {document}")
        return document

    def _once(self, method: str, path: str, body: Any) -> tuple[int, Any, float]:
        self.calls += 1
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 - loopback
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        retry_after = 1.0
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, payload = exc.code, exc.read()
            retry_after = _seconds(exc.headers.get("Retry-After"), default=1.0)
        try:
            document = json.loads(payload) if payload else None
        except ValueError:
            document = payload.decode("utf-8", "replace")[:200]
        return status, document, retry_after


def _seconds(value: str | None, default: float) -> float:
    try:
        return max(0.0, float(value)) if value else default
    except ValueError:
        return default


def run(stack: Any, out: Any = print, aws_account: str = DEMO_AWS_ACCOUNT) -> dict[str, Any]:
    """Run the demo against a started ``LocalStack`` and print what a person wants to see.

    ``aws_account`` is the demo customer's account in the emulator (another one lets a second demo run in
    a process whose emulator state the first one left behind)."""
    api = _Api(stack.api_url_or_default, out=out)
    out("\n=== SpotHive demo ===")
    customer = _seed(out, aws_account)
    _sign_in(api, out)
    link = api.call("POST", "/api/connect/link")
    out(f"External ID issued: {link['external_id']}")
    out(f"Customer role template: {link['template_url']}")
    verified = api.call("POST", "/api/connect/verify",
                        {"account_id": link["account_id"], "role_arn": customer.role_arn})
    out(f"Role verified for AWS account {verified['aws_account_id']}: status {verified['status']}")
    out("Waiting for discovery to scan the account ...")
    account = wait_active(api, link["account_id"], out=out)
    out(f"Account linked: status {account['status']} (last scan {account['last_scan_at']})")
    clusters = api.call("GET", "/api/client/clusters")["clusters"]
    for c in clusters:
        out(f"Cluster {c['name']} ({c['region']}, Kubernetes {c['version']}): {c['nodes']} nodes, "
            f"{c['on_demand_nodes']} On-Demand / {c['spot_nodes']} Spot")
        out("  " + ", ".join(f"{n}x {t}" for t, n in c["instance_types"].items()))
    kpi = api.call("GET", "/api/metrics/kpi")
    out(f"Instances found: {kpi['running_instances']} running ({kpi['spot_instances']} Spot) in "
        f"{kpi['clusters']} cluster(s)")
    out(f"Monthly spend at current prices: ${kpi['monthly_spend']:,.2f}")
    out(f"Projected after Spot moves: ${kpi['projected_monthly_spend']:,.2f} "
        f"(saves ${kpi['monthly_savings']:,.2f}/month)")
    result: dict[str, Any] = {"clusters": clusters, "kpi": kpi}
    batch = next((c for c in clusters if c["name"] == BATCH_CLUSTER), None)
    if batch is not None:
        result["automation"] = automate(stack, api, batch["cluster_id"], out)
    if clusters:
        cluster_id = clusters[0]["cluster_id"]
        if getattr(stack.config, "agent", False):
            chart = _with_agent(stack, api, customer, cluster_id, out, result)
        else:
            api.call("PUT", f"/api/clusters/{cluster_id}/snapshot", demo_snapshot(customer))
            chart = api.call("GET", f"/api/metrics/projection?cluster_id={cluster_id}")
        out(f"With the pods known, consolidation + Spot: ${chart['unoptimized']:,.2f} -> "
            f"${chart['optimized']:,.2f} a month ({len(chart['actions'])} actions; "
            f"optimality gap {100 * chart['optimality_gap']:.1f}% against the plan's own lower bound)")
        result["projection"] = chart
    result["hibernation"] = schedule_fleet(api, out)
    ledger = api.call("GET", "/api/audit/verify")
    out(f"Audit ledger: {ledger['records']} records, chain {'intact' if ledger['ok'] else 'BROKEN'}")
    out(f"API docs: {api.base}/api/docs  (sign in as {DEMO_EMAIL} / {DEMO_PASSWORD})\n")
    result["ledger"] = ledger
    return result


def automate(stack: Any, api: Any, cluster_id: str, out: Any) -> dict[str, Any]:
    """Put the batch cluster in ``recommend`` and let the automation schedule preview it (WORK-OPT-01)."""
    from spothive.local.demo_execute import _until_done

    version = api.call("GET", f"/api/policies/{cluster_id}")["version"]
    policy = api.call("PATCH", "/api/policies/automation",
                      {"cluster_id": cluster_id, "expected_version": version, "mode": "recommend"})
    threshold = policy["automation"]["threshold"]
    out(f"\nAutomation: {BATCH_CLUSTER} set to recommend (actions must pay back within {threshold['payback_days']} "
        f"days and save ${threshold['min_monthly_saving_usd']:,.2f}/month)")
    passed = stack.fire_schedule("automation")  # what the ticker runs every hour
    outcome = next((o for o in passed["outcomes"] if o["cluster_id"] == cluster_id), None)
    if outcome is None or not outcome["job_id"]:
        out(f"  automation started nothing: {outcome['reason'] if outcome else 'cluster not seen'}")
        return {"outcome": outcome}
    job = _until_done(api, cluster_id, outcome["job_id"], _pause, DemoError)
    d = job["decisions"]
    out(f"  preview {job['job_id']} by {job['actor']}: {d['approved']} would run, {d['skipped']} held below the "
        f"threshold, {d['blocked']} blocked")
    for action in (d["approved_actions"] + d["skipped_actions"] + d["blocked_actions"])[:3]:
        out(f"    {action['target']}: {action['reason'][:160]}")
    events = api.call("GET", "/api/activity/live")["events"]
    line = next((e["message"] for e in events if e["action"] == "optimization.automated"), None)
    if line:
        out(f"  activity: {line}")
    return {"outcome": outcome, "job": job}


def _pause(seconds: float) -> bool:
    time.sleep(seconds)
    return False


def _with_agent(stack: Any, api: _Api, customer: DemoCustomer, cluster_id: str, out: Any,
                result: dict[str, Any]) -> dict[str, Any]:
    """Connect the cluster's agent (simulated cluster, real agent process); the stack stops it on shutdown."""
    from spothive.local import agent_demo

    agent = agent_demo.start(api, customer, cluster_id, api.base, stack.config.data_dir / "agent", out)
    stack.attach(agent)
    result["agent"] = agent_demo.wait_connected(api, agent, out, pause=getattr(stack, "wait", None))
    chart: dict[str, Any] = result["agent"]["projection"]
    if getattr(stack.config, "execute", True):
        from spothive.local.demo_execute import optimize_now

        out("\n--- Optimize Now ---")
        result["execution"] = optimize_now(stack, api, agent, cluster_id, out, pause=getattr(stack, "wait", None))
    return chart


def _seed(out: Any, aws_account: str = DEMO_AWS_ACCOUNT) -> DemoCustomer:
    try:
        customer = seed_customer(aws_account, cluster_name="acme-prod")
    except Exception as exc:  # a data dir reused from an earlier run already holds the customer
        raise DemoError(f"could not seed the demo customer: {exc}") from exc
    out(f"Demo customer seeded in moto: AWS account {customer.aws_account_id}, EKS cluster "
        f"{customer.cluster_name} with {len(customer.instance_ids)} nodes")
    batch = seed_customer(aws_account, cluster_name=BATCH_CLUSTER, nodes=(), extra_standalone=0, asg_nodes=3,
                          scheduled=(OFFICE_HOURS, OFFICE_HOURS))
    out(f"  and cluster {BATCH_CLUSTER} with a self-managed node group ({batch.asg_name}, 3 nodes), and "
        f"{len(batch.scheduled_ids)} stand-alone instances tagged spothive:schedule={OFFICE_HOURS}")
    return customer


def schedule_fleet(api: Any, out: Any, now: datetime | None = None) -> dict[str, Any]:
    """Put the batch cluster's Auto Scaling group and the office-hours instances on a schedule that is
    asleep this UTC hour and awake the next, so the ticker's hibernation pass sleeps them within a
    minute and wakes them at the top of the hour."""
    now = now or datetime.now(UTC)
    cell = now.weekday() * 24 + now.hour
    matrix = [1] * 168
    matrix[cell] = 0
    targets = api.call("GET", "/api/hibernation/targets")
    saved: dict[str, Any] = {}
    for cluster in targets["clusters"]:
        if cluster["name"] == BATCH_CLUSTER:
            saved[BATCH_CLUSTER] = api.call("POST", "/api/hibernation/schedule", {
                "cluster_id": cluster["cluster_id"], "schedule_matrix": matrix, "timezone": "UTC", "target": "asg"})
    for group in targets["instance_groups"]:
        if group["schedule"] == OFFICE_HOURS:
            saved[OFFICE_HOURS] = api.call("POST", "/api/hibernation/schedule", {
                "cluster_id": group["cluster_id"], "schedule_matrix": matrix, "timezone": "UTC", "hibernate": True})
    for name, status in saved.items():
        wake = status["next_transition"]["at"] if status["next_transition"] else "never"
        out(f"Hibernation: {name} sleeps as {status['target']} within a minute (ticker) and wakes at {wake}")
    return saved


def _sign_in(api: _Api, out: Any) -> None:
    body = {"org_name": "Acme Corp", "email": DEMO_EMAIL, "password": DEMO_PASSWORD}
    signed = api.call("POST", "/api/auth/signup", body, expect=(201, 409))
    if signed and "token" in signed:
        api.token = signed["token"]
        out(f"Signed up {DEMO_EMAIL} (org {signed['org_id']})")
    else:
        api.token = api.call("POST", "/api/auth/token", {"email": DEMO_EMAIL, "password": DEMO_PASSWORD})["jwt_token"]
        out(f"Signed in {DEMO_EMAIL}")


def wait_active(api: Any, account_id: str, timeout: float = 120.0, out: Any = print,
                sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.monotonic) -> dict[str, Any]:
    """Poll the account until discovery finishes, backing off (0.5 s growing to 5 s) and saying how long."""
    began = clock()
    deadline = began + timeout
    delay, last_status = POLL_FIRST, None
    while True:
        account = next(a for a in api.call("GET", "/api/connect/accounts") if a["account_id"] == account_id)
        status = account["status"]
        if status in ("active", "failed") or clock() > deadline:
            if status != "active":
                raise DemoError(f"discovery did not finish: {status} {account.get('message')}")
            return dict(account)
        if status != last_status or delay >= POLL_MAX:
            out(f"  account {status} after {clock() - began:.0f}s; next look in {delay:.1f}s")
        last_status = status
        sleep(delay)
        delay = min(POLL_MAX, delay * POLL_FACTOR)


def demo_snapshot(customer: DemoCustomer, seed: int = 7) -> dict[str, Any]:
    """A pod-level snapshot of the demo cluster: daemon sets on every node and ~35 % busy workloads."""
    rng = random.Random(seed)
    nodes, pods = [], []
    for index, (instance_id, (itype, capacity, zone)) in enumerate(zip(customer.instance_ids, DEMO_NODES, strict=True)):
        name = f"ip-10-40-{index}-10.ec2.internal"
        arch = "arm64" if itype.startswith(("c6g", "m6g", "r6g", "c7g", "m7g")) else "amd64"
        nodes.append({"name": name, "instance_type": itype, "capacity_type": capacity,
                      "zone": f"{customer.region}{zone}", "labels": {"kubernetes.io/arch": arch,
                      "eks.amazonaws.com/nodegroup": "general"}, "taints": [], "provider_id": instance_id})
        pods.append({"namespace": "kube-system", "name": f"aws-node-{index}", "node": name, "cpu_m": 50,
                     "memory_mib": 128, "gpu": 0, "owner": "aws-node", "owner_kind": "DaemonSet",
                     "node_selector": {},
                     "do_not_disrupt": False})
        for n in range(rng.randint(1, 4)):
            pods.append({"namespace": "shop", "name": f"web-{index}-{n}", "node": name,
                         "cpu_m": rng.choice((250, 500, 750)), "memory_mib": rng.choice((512, 1024, 2048)),
                         "gpu": 0, "owner": "web", "node_selector": {}, "do_not_disrupt": False})
    return {"cluster": customer.cluster_name, "region": customer.region, "nodes": nodes, "pods": pods,
            "pdbs": [{"namespace": "shop", "name": "web", "selector_owner": "web", "max_unavailable": 25}]}
