"""``/api/lab`` (super admins): promote a candidate risk model (hot swap) and roll back, start a live switch
and read its telemetry, configure A/B tests of two models, compare them and stop them. A tenant's users may
read their own org's experiments (another org's is a 404)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from spothive.api.deps import AdminPrincipal, CurrentPrincipal
from spothive.services.lab_experiments import LabExperiments
from spothive.services.model_lab import ModelLab, Promotion
from spothive.services.parallel_tests import ParallelTests
from spothive.wiring import lab

router = APIRouter(prefix="/api/lab", tags=["lab"])
Lab = Annotated[ModelLab, Depends(lab.model_lab)]
Experiments = Annotated[LabExperiments, Depends(lab.lab_experiments)]
Parallel = Annotated[ParallelTests, Depends(lab.parallel_tests)]

_ID = r"^[A-Za-z0-9_.:-]+$"
InstanceId = Annotated[str, Field(pattern=r"^i-[0-9a-f]{8,17}$", description="an EC2 instance id")]
ModelId = Annotated[str, Field(min_length=1, max_length=64, pattern=_ID)]
OrgId = Annotated[str, Field(min_length=1, max_length=64, pattern=_ID)]


class GraduateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_id: str = Field(min_length=1, max_length=64)


class RollbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    model_id: str | None = Field(default=None, min_length=1, max_length=64)


class LiveSwitchRequest(BaseModel):
    """Which org's instance to move to Spot; ``model_id`` labels the experiment with the model it tests."""

    model_config = ConfigDict(extra="forbid")
    org_id: OrgId
    instance_id: InstanceId
    model_id: ModelId | None = None
    dry_run: bool = False


class ParallelRequest(BaseModel):
    """Two instances of one org, each routed to its own registry model."""

    model_config = ConfigDict(extra="forbid")
    org_id: OrgId
    instance_a: InstanceId
    model_a: ModelId
    instance_b: InstanceId
    model_b: ModelId


def _promotion(result: Promotion) -> dict[str, Any]:
    return {
        "success": True,
        "model": result.model.as_dict(),
        "retired": [r.model_id for r in result.retired],
        "notified_consumers": result.notified,
    }


@router.post("/graduate")
def graduate(body: GraduateRequest, principal: AdminPrincipal, model_lab: Lab) -> dict[str, Any]:
    """Candidate → production; the previous production model is retired and kept for rollback."""
    return _promotion(model_lab.graduate(principal.actor, body.model_id))


@router.post("/rollback")
def rollback(principal: AdminPrincipal, model_lab: Lab, body: RollbackRequest | None = None) -> dict[str, Any]:
    """A retired model (the given one, else the last retired) → production again."""
    return _promotion(model_lab.rollback(principal.actor, body.model_id if body else None))


@router.post("/live-switch", status_code=202)
def live_switch(body: LiveSwitchRequest, principal: AdminPrincipal, experiments: Experiments) -> dict[str, Any]:
    """Start the live switch of an org's On-Demand instance: stop, move its data volumes to a Spot copy carrying
    its network, profile, key, user data and tags, health-check it, roll back on failure."""
    return experiments.start_live_switch(principal.actor, body.org_id, body.instance_id, model_id=body.model_id,
                                         dry_run=body.dry_run)


@router.get("/experiments/{experiment_id}")
def experiment(experiment_id: Annotated[str, Path(min_length=1, max_length=80, pattern=_ID)],
               principal: CurrentPrincipal, experiments: Experiments) -> dict[str, Any]:
    """One experiment: status and ``telemetry`` (``steps`` of ``{step, started_at, duration_ms, result}``,
    ``price_before``, ``price_after``). Super admins read any; a tenant only its own org's (404 otherwise)."""
    return experiments.experiment(experiment_id, principal)


@router.post("/parallel", status_code=201)
def parallel(body: ParallelRequest, principal: AdminPrincipal, tests: Parallel) -> dict[str, Any]:
    """Configure an A/B test: each instance tagged ``spothive:model=<its model>`` and scored only by it."""
    return tests.configure(principal.actor, body.org_id, body.instance_a, body.model_a, body.instance_b,
                           body.model_b)


@router.get("/parallel/{test_id}")
def parallel_results(test_id: Annotated[str, Path(min_length=1, max_length=80, pattern=_ID)],
                     principal: AdminPrincipal, tests: Parallel) -> dict[str, Any]:
    """Per model: its predictions, the interruptions observed on its instance, and calibration."""
    return tests.results(test_id)


@router.post("/parallel/{test_id}/stop")
def parallel_stop(test_id: Annotated[str, Path(min_length=1, max_length=80, pattern=_ID)],
                  principal: AdminPrincipal, tests: Parallel) -> dict[str, Any]:
    """End a running A/B test: its ``spothive:model`` tags are removed (customer account and inventory copy),
    its arms and the test are ``stopped`` (who and when), and later interruptions no longer count; 409 when
    it is stopped already."""
    return tests.stop(principal.actor, test_id)
