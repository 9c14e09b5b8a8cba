"""A state change of an agent action whose transaction a concurrent one on the backlog counter cancelled
(``TransactionConflict``: nothing written) is tried again; one whose condition failed is not."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pynamodb.exceptions import CancellationReason, TransactWriteError

from spothive.adapters.dynamo import agent_actions
from spothive.domain.agent_actions import ActionState
from spothive.domain.errors import ServiceUnavailable

AT = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


class Cancelled(TransactWriteError):
    def __init__(self, *codes: str | None) -> None:
        super().__init__("Failed to write transaction items")
        self._codes = codes

    @property
    def cancellation_reasons(self) -> list[CancellationReason | None]:
        return [CancellationReason(c) if c else None for c in self._codes]


class ScriptedTransactions:
    """Stands in for ``TransactWrite``: each commit raises the next scripted error, then succeeds."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.commits = 0

    def __call__(self, **_: Any) -> ScriptedTransactions:
        return self

    def __enter__(self) -> ScriptedTransactions:
        return self

    def __exit__(self, *exc: object) -> None:
        self.commits += 1
        if self.errors:
            raise self.errors.pop(0)

    def update(self, *_: Any, **__: Any) -> None:
        return None


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    def install(*errors: Exception) -> ScriptedTransactions:
        txn = ScriptedTransactions(*errors)
        monkeypatch.setattr(agent_actions, "TransactWrite", txn)
        monkeypatch.setattr(agent_actions.action_backlog, "connection", lambda: None)
        monkeypatch.setattr(agent_actions, "_pause", lambda seconds: None)
        stored = agent_actions.AgentActionModel("org-1#c-1", "job-1.w0.cordon.0", backlog_day="2027-01-01")
        monkeypatch.setattr(agent_actions.DynamoAgentActions, "_get", staticmethod(lambda key, aid: stored))
        return txn
    return install


def test_an_acknowledgement_cancelled_by_a_concurrent_counter_update_is_tried_again(scripted) -> None:  # type: ignore[no-untyped-def]
    # Given two transactions cancelled because another one held the cluster's counter
    txn = scripted(Cancelled(None, None, "TransactionConflict"), Cancelled(None, "TransactionConflict", None))
    # When the agent acknowledges its action
    outcome = agent_actions.DynamoAgentActions().acknowledge("org-1", "c-1", "job-1.w0.cordon.0", AT)
    # Then the third attempt commits and the acknowledgement is won
    assert (outcome, txn.commits) == (agent_actions.AckOutcome(True, ActionState.ACKNOWLEDGED), 3)


def test_a_counter_that_stays_contended_is_a_503_to_retry(scripted) -> None:  # type: ignore[no-untyped-def]
    scripted(*[Cancelled(None, None, "TransactionConflict")] * agent_actions.CONFLICT_ATTEMPTS)
    with pytest.raises(ServiceUnavailable):
        agent_actions.DynamoAgentActions().acknowledge("org-1", "c-1", "job-1.w0.cordon.0", AT)


def test_a_failed_condition_is_not_tried_again(scripted) -> None:  # type: ignore[no-untyped-def]
    txn = scripted(Cancelled("ConditionalCheckFailed", None, None))
    assert agent_actions.DynamoAgentActions._counted("org-1", "c-1", "2027-01-01", lambda t: None,
                                                     queued=1) is False
    assert txn.commits == 1
