"""A job left ``running`` by a dead execution: after ``STALE_AFTER`` without an update it no longer blocks
its cluster, and a dead *execution* keeps ``auto`` to previews until the policy is saved again."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from spothive import topology
from spothive.domain.automation import STALE_AFTER, RecentJob, decide_start
from spothive.domain.jobs import Job, JobStatus
from spothive.services.automation import _recent
from spothive.settings import ExecutionSettings

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
SNAP = "f" * 64


def running(job_id: str, *, silent_for: timedelta, dry_run: bool = True,
            age: timedelta = timedelta(days=1)) -> RecentJob:
    return RecentJob(job_id, True, False, dry_run, SNAP, NOW - age, updated_at=NOW - silent_for)


def test_the_stale_bound_is_far_beyond_the_longest_quiet_the_optimization_workflow_allows():
    # Given the optimization state machine, its functions' timeouts and the wave waits' defaults
    (machine,) = [m for m in topology.STATE_MACHINES if m.name == "optimization"]
    states = json.loads(machine.definition())["States"]
    timeouts = {f.name: f.timeout_s for f in topology.WORKFLOW_FUNCTIONS}
    worst_step = 0.0
    for state in states.values():
        function = machine.tasks.get(str(state.get("Resource", "")).strip("${}"))
        if function is None:
            continue
        retries = max((r["MaxAttempts"] for r in state.get("Retry", [])), default=0)
        backoff = sum(2 * 2 ** n for n in range(retries))  # IntervalSeconds <= 2, BackoffRate 2
        worst_step = max(worst_step, timeouts[function] * (1 + retries) + backoff)
    waits = [s for s in states.values() if "TimeoutSecondsPath" in s]
    settings = ExecutionSettings()
    # When the longest quiet between two job updates is bounded: one task-token wait (each wave's wait
    # updates the job as it registers) and the retried Lambda steps around it
    quiet = max(settings.execution_ready_timeout_seconds, settings.execution_drain_timeout_seconds) + 3 * worst_step
    # Then the workflow has exactly the two waits, the bound is under 1.5 h, and STALE_AFTER is 4x beyond it
    assert len(waits) == 2 and worst_step == 1214
    assert timedelta(seconds=quiet) < timedelta(hours=1.5)
    assert 4 * timedelta(seconds=quiet) <= STALE_AFTER


def test_a_running_job_blocks_until_it_has_been_silent_for_the_stale_bound():
    # Given a preview running and last updated just under the bound, When automation looks, Then it waits
    live = decide_start("recommend", [running("job-a", silent_for=STALE_AFTER - timedelta(minutes=1))], SNAP, NOW)
    assert (live.start, live.reason) == (False, "job job-a is still running for the cluster")
    # And once it has been silent for the bound, its execution is dead: a new preview starts
    dead = decide_start("recommend", [running("job-a", silent_for=STALE_AFTER)], SNAP, NOW)
    assert (dead.start, dead.dry_run, dead.reason) == (True, True,
                                                         "mode recommend: a preview of what auto would carry out")


def test_a_stale_execution_keeps_auto_to_previews_until_the_policy_is_saved_again():
    # Given an execution that went silent mid-run 7 hours ago (it may have left nodes cordoned)
    stuck = running("job-x", silent_for=timedelta(hours=7), dry_run=False, age=timedelta(hours=8))
    # When automation looks at the auto cluster, Then it starts a preview only, and says why
    held = decide_start("auto", [stuck], SNAP, NOW)
    assert (held.start, held.dry_run, held.reason) == (
        True, True, "mode auto, but execution job-x went stale (no update for 6 h) and may have stopped "
                    "mid-wave: preview only until the policy is saved again")
    # And once a person saves the policy after it, executions resume
    resumed = decide_start("auto", [stuck], SNAP, NOW, policy_changed_at=NOW - timedelta(minutes=5))
    assert (resumed.start, resumed.dry_run) == (True, False)
    # And a stale preview never holds back an execution
    assert not decide_start("auto", [running("job-p", silent_for=timedelta(hours=7))], SNAP, NOW).dry_run


def test_the_worker_judges_staleness_by_the_jobs_last_update_not_its_creation():
    # Given a job created two days ago whose execution updated it ten minutes ago
    job = Job("org-1", "job-1", "c-1", JobStatus.RUNNING, "system:automation", False,
              NOW - timedelta(days=2), NOW - timedelta(minutes=10))
    # When the worker reads it, Then it is running and not stale, and it blocks the cluster
    recent = _recent(job)
    assert (recent.running, recent.updated_at, recent.stale(NOW)) == (True, NOW - timedelta(minutes=10), False)
    assert not decide_start("auto", [recent], SNAP, NOW).start
    # And seven hours of silence later it is stale
    assert recent.stale(NOW + timedelta(hours=7))
