"""The long-poll over fake ports and a fake monotonic clock: wake-ups, re-checks and the hold limit."""

from __future__ import annotations

import pytest

from spothive.domain.agent_actions import ActionState, StoredAction
from spothive.domain.errors import InvalidInput
from spothive.services.agent_actions import AgentChannel


class Time:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Store:
    def __init__(self) -> None:
        self.queued: list[StoredAction] = []
        self.reads = 0

    def pending(self, org_id, cluster_id, limit):  # type: ignore[no-untyped-def]
        self.reads += 1
        return self.queued[:limit]


class Wake:
    """Each wait advances time by its timeout (capped at 1 s), or wakes at ``wake_at``, queueing ``then``."""

    def __init__(self, clock: Time, store: Store, wake_at: float | None = None, then: StoredAction | None = None):
        self.clock, self.store, self.wake_at, self.then = clock, store, wake_at, then

    def wait(self, org_id, cluster_id, timeout_s):  # type: ignore[no-untyped-def]
        step = min(timeout_s, 1.0)
        if self.wake_at is not None and self.clock.now + step >= self.wake_at:
            self.clock.now = self.wake_at
            self.wake_at = None
            self.store.queued.append(self.then)
            return True
        self.clock.now += step
        return False


def channel(store, wake, clock):  # type: ignore[no-untyped-def]
    return AgentChannel(store, wake, None, None, lambda r: None, None, monotonic=clock)  # type: ignore[arg-type]


ACTION = StoredAction("o", "c", {"id": "job-1.0", "type": "cordon", "params": {"node": "n"}}, ActionState.QUEUED)


def test_a_wake_up_answers_at_once_with_the_queued_action():
    clock, store = Time(), Store()
    got = channel(store, Wake(clock, store, wake_at=3.0, then=ACTION), clock).poll("o", "c", 20)
    assert (got, clock.now, store.reads) == ([ACTION.action], 3.0, 2)


def test_without_a_wake_up_the_store_is_re_read_every_5_s_and_the_hold_stops_at_25_s():
    clock, store = Time(), Store()
    got = channel(store, Wake(clock, store), clock).poll("o", "c", 30)
    # reads at 0, 5, 10, 15, 20; the 25 s hold limit (under API Gateway's 29 s) ends the wait empty
    assert (got, clock.now, store.reads) == ([], 25.0, 5)


def test_wait_outside_0_to_30_names_the_field():
    clock, store = Time(), Store()
    with pytest.raises(InvalidInput) as raised:
        channel(store, Wake(clock, store), clock).poll("o", "c", 31)
    assert raised.value.field == "wait"
