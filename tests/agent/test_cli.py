"""``spothive-agent --help`` documents every setting with its environment variable."""

from __future__ import annotations

import pytest

from spothive_agent.cli import main
from spothive_agent.settings import SETTINGS, build_parser


def test_help_lists_every_flag_and_environment_variable(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for setting in SETTINGS:
        assert setting.flag in text and f"[env {setting.env}]" in text, setting.flag
    for needle in ("API base URL", "agent token", "dry", "safe mode", "/healthz and /metrics", "kubeconfig"):
        assert needle.lower() in text.lower()


def test_environment_variables_set_the_defaults_and_flags_win(monkeypatch):
    monkeypatch.setenv("SPOTHIVE_HUB_DOWN_GRACE", "120")
    monkeypatch.setenv("SPOTHIVE_DRY_RUN", "true")
    args = build_parser().parse_args(["--hub-down-grace", "90"])
    assert args.hub_down_grace == 90.0 and args.dry_run is True


def test_missing_required_settings_name_them(capsys):
    with pytest.raises(SystemExit) as done:
        main([])
    assert done.value.code == 2
    assert "missing --hub-url, --cluster-id" in capsys.readouterr().err
