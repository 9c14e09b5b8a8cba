"""The lab: the model registry (upload, validate, graduate, roll back), the live-switch experiment and A/B tests."""

from __future__ import annotations

from typing import TYPE_CHECKING

from spothive import settings
from spothive.settings import LabSettings, ModelSettings
from spothive.wiring import accounts, inventory, kernel, pricing, risk
from spothive.wiring.registry import component

if TYPE_CHECKING:
    from spothive.adapters.dynamo.lab_repo import DynamoLabRepo
    from spothive.adapters.dynamo.model_registry import DynamoModelRegistry
    from spothive.ports.risk import RiskModel
    from spothive.services.lab_experiments import LabExperiments
    from spothive.services.live_switch import LiveSwitch
    from spothive.services.model_lab import ModelLab
    from spothive.services.model_routing import ModelRouter
    from spothive.services.parallel_tests import ArmObserver, ParallelTests


@component
def model_settings() -> ModelSettings:
    """Upload size, validator limits and the promotion threshold."""
    return settings.load(ModelSettings)


@component
def model_registry() -> DynamoModelRegistry:
    """The ``ml-models`` table."""
    from spothive.adapters.dynamo.model_registry import DynamoModelRegistry

    return DynamoModelRegistry(kernel.ledger())


@component
def model_lab() -> ModelLab:
    """Upload, validate, graduate and roll back risk models."""
    from spothive.adapters.model_validator import Limits, SubprocessValidator
    from spothive.services.model_lab import ModelLab

    s = model_settings()
    limits = Limits(cpu_seconds=s.validator_cpu_seconds, memory_mib=s.validator_memory_mib,
                    wall_seconds=s.validator_timeout_seconds)
    return ModelLab(
        model_registry(), risk.model_store(),
        SubprocessValidator(limits, min_auc=s.model_min_auc), risk.model_events(), kernel.clock(),
        max_bytes=s.model_max_upload_mib * 1024 * 1024,
    )


@component
def lab_repo() -> DynamoLabRepo:
    """The ``lab-experiments`` table."""
    from spothive.adapters.dynamo.lab_repo import DynamoLabRepo

    kernel.core()
    return DynamoLabRepo()


@component
def live_switch() -> LiveSwitch:
    """The live-switch experiment's steps; with a WebSocket stage (AWS) each step is pushed to the sockets
    following the experiment."""
    from spothive.adapters.aws.ec2_switch import StsSwitchCloud
    from spothive.services.live_switch import LiveSwitch
    from spothive.wiring import (
        optimization,  # SAFE_MODE levels are composed there (it imports lab)
        streams,  # streams wires accounts, which the lab does not otherwise need
    )

    publisher = streams.streams() if streams.stream_settings().websocket_endpoint else None
    return LiveSwitch(StsSwitchCloud(kernel.core().region), lab_repo(), pricing.catalogs(),
                      kernel.safe_mode(), kernel.clock(), global_safe_mode=kernel.global_safe_mode(),
                      safe_modes=optimization.safe_modes(), publisher=publisher, ledger=kernel.ledger())


@component
def lab_experiments() -> LabExperiments:
    """Starting live switches and reading experiments."""
    from spothive.adapters.aws.step_functions import StepFunctionsStarter
    from spothive.services.lab_experiments import LabExperiments

    s = settings.load(LabSettings)
    starter = StepFunctionsStarter(s.live_switch_state_machine_arn, kernel.core().region, label="live-switch")
    return LabExperiments(accounts.tenancy(), inventory.repo(), lab_repo(), starter, kernel.clock(),
                          poll_seconds=s.live_switch_poll_seconds, ledger=kernel.ledger())


def _registry_model(model_id: str) -> RiskModel:
    """A registry model loaded from its artifact (no fallback: a routed model answers alone or not at all)."""
    from spothive.adapters.aws.model_loader import S3ModelLoader
    from spothive.domain.errors import NotFound

    record = model_registry().get(model_id)
    if record is None or not record.s3_key:
        raise NotFound(f"no stored model {model_id}", field="model_id")
    return S3ModelLoader(risk.model_store())(record)


@component
def model_router() -> ModelRouter:
    """Per-instance scoring routed by the ``spothive:model`` tag."""
    from spothive.services.model_routing import ModelRouter

    return ModelRouter(risk.LazyRiskModel(risk.risk_model), _registry_model, lab_repo(), pricing.catalogs(),
                       kernel.clock())


@component
def parallel_tests() -> ParallelTests:
    """A/B tests of two models on two instances."""
    from spothive.adapters.aws.ec2_switch import StsSwitchCloud
    from spothive.services.parallel_tests import ParallelTests
    from spothive.wiring import optimization  # SAFE_MODE levels are composed there (it imports lab)

    return ParallelTests(accounts.tenancy(), inventory.repo(), model_registry(), lab_repo(),
                         StsSwitchCloud(kernel.core().region), model_router(), kernel.clock(), ledger=kernel.ledger(),
                         safe_modes=optimization.safe_modes())


@component
def arm_observer() -> ArmObserver:
    """Interruption signals of A/B-tested instances, recorded against their model."""
    from spothive.services.parallel_tests import ArmObserver

    return ArmObserver(lab_repo(), kernel.clock())
