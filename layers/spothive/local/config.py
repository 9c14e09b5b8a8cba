"""What the local stack runs and where: ports, data directory and switches, from defaults and the environment."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


@dataclass(frozen=True)
class LocalConfig:
    """Ports (0 = any free port), data directory and which parts to run."""

    api_port: int = 8000
    moto_port: int = 5000
    redis_port: int = 6379
    data_dir: Path = Path(".spothive")
    prefix: str = "spothive"
    serve_api: bool = True
    ticker: bool = True
    ticker_speed: float = 1.0
    prefer_real_redis: bool = True
    access_log: bool = True
    #: Use this running AWS emulator (e.g. LocalStack on http://127.0.0.1:4566) instead of starting moto.
    aws_endpoint: str | None = None
    #: The demo connects its cluster: a simulated Kubernetes and a real ``spothive-agent`` process.
    agent: bool = True
    #: Reverse proxies whose X-Forwarded-For the API believes (comma-separated); empty trusts none.
    forwarded_allow_ips: str = ""

    @classmethod
    def from_env(cls, **overrides: Any) -> LocalConfig:
        """Defaults, then ``SPOTHIVE_LOCAL_*`` variables, then the non-``None`` overrides."""
        config = cls(
            api_port=_env_int("SPOTHIVE_LOCAL_API_PORT", cls.api_port),
            moto_port=_env_int("SPOTHIVE_LOCAL_MOTO_PORT", cls.moto_port),
            redis_port=_env_int("SPOTHIVE_LOCAL_REDIS_PORT", cls.redis_port),
            data_dir=Path(os.environ.get("SPOTHIVE_LOCAL_DATA_DIR") or cls.data_dir),
            aws_endpoint=os.environ.get("SPOTHIVE_LOCAL_AWS_ENDPOINT") or None,
            forwarded_allow_ips=os.environ.get("SPOTHIVE_LOCAL_FORWARDED_ALLOW_IPS", cls.forwarded_allow_ips),
        )
        return replace(config, **{k: v for k, v in overrides.items() if v is not None})

    @classmethod
    def ephemeral(cls, data_dir: Path | str, **overrides: Any) -> LocalConfig:
        """Free ports everywhere, no ticker, no API, quiet: what integration tests want."""
        values: dict[str, Any] = {"api_port": 0, "moto_port": 0, "redis_port": 0, "data_dir": Path(data_dir),
                                  "serve_api": False, "ticker": False, "access_log": False, "agent": False}
        values.update(overrides)
        return cls(**values)
