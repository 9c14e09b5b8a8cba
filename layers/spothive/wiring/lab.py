"""The lab: the model registry (upload, validate, graduate, roll back) and the live-switch experiment."""

from __future__ import annotations

from spothive import settings
from spothive.adapters.aws.ec2_switch import StsSwitchCloud
from spothive.adapters.dynamo.lab_repo import DynamoLabRepo
from spothive.adapters.dynamo.model_registry import DynamoModelRegistry
from spothive.adapters.model_validator import Limits, SubprocessValidator
from spothive.services.live_switch import LiveSwitch
from spothive.services.model_lab import ModelLab
from spothive.settings import ModelSettings
from spothive.wiring import kernel, pricing, risk
from spothive.wiring.registry import component


@component
def model_settings() -> ModelSettings:
    """Upload size, validator limits and the promotion threshold."""
    return settings.load(ModelSettings)


@component
def model_lab() -> ModelLab:
    """Upload, validate, graduate and roll back risk models."""
    s = model_settings()
    limits = Limits(cpu_seconds=s.validator_cpu_seconds, memory_mib=s.validator_memory_mib,
                    wall_seconds=s.validator_timeout_seconds)
    return ModelLab(
        DynamoModelRegistry(kernel.ledger()), risk.model_store(),
        SubprocessValidator(limits, min_auc=s.model_min_auc), risk.model_events(), kernel.clock(),
        max_bytes=s.model_max_upload_mib * 1024 * 1024,
    )


@component
def live_switch() -> LiveSwitch:
    """The live-switch experiment's steps."""
    kernel.core()
    return LiveSwitch(StsSwitchCloud(kernel.core().region), DynamoLabRepo(), pricing.catalogs(),
                      kernel.safe_mode(), kernel.clock(), global_safe_mode=kernel.global_safe_mode())
