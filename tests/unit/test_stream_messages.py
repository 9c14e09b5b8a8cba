"""Stream cursors and the lab messages derived from an experiment record (pure domain)."""

from __future__ import annotations

import pytest

from spothive.domain.errors import InvalidInput
from spothive.domain.streams import Event, component_filter, event_cursor, event_messages, lab_messages


def _record(status: str, *steps: str, **telemetry: object) -> dict:
    return {"experiment_id": "exp-1", "status": status, "created_at": "2026-12-01T22:00:00.000+00:00",
            "telemetry": {"steps": [{"step": s, "started_at": f"2026-12-01T22:00:0{i}.000+00:00",
                                     "duration_ms": 100 * (i + 1), "result": "ok"} for i, s in enumerate(steps)],
                          **telemetry}}


def test_lab_messages_resume_after_a_cursor_and_report_status_once():
    first = lab_messages(_record("running", "prepare", "stop"), None)
    assert [(m.type, m.cursor) for m in first.messages] == [("step", "1"), ("step", "2"), ("status", "2:running")]
    assert first.cursor == "2:running" and first.done is False
    # nothing new: nothing sent, same cursor
    assert lab_messages(_record("running", "prepare", "stop"), first.cursor).messages == []
    later = lab_messages(_record("switched", "prepare", "stop", "verify", price_before=0.2, price_after=0.07),
                         first.cursor)
    assert [(m.type, m.cursor) for m in later.messages] == [("step", "3:running"), ("status", "3:switched")]
    assert later.messages[0].data == {"index": 2, "step": "verify", "started_at": "2026-12-01T22:00:02.000+00:00",
                                      "duration_ms": 300, "result": "ok"}
    assert later.messages[1].data == {"status": "switched", "price_before": 0.2, "price_after": 0.07, "steps": 3}
    assert later.done is True


def test_lab_messages_skip_malformed_steps_and_old_telemetry():
    legacy = {"experiment_id": "exp-2", "status": "dry_run", "telemetry": {"started_at": "x", "steps": ["?", 3]}}
    page = lab_messages(legacy, None)
    assert [m.type for m in page.messages] == ["status"] and page.cursor == "0:dry_run" and page.done


@pytest.mark.parametrize("bad", ["yesterday", "1-", "-1", "1:2"])
def test_bad_event_cursors_name_the_field(bad: str):
    with pytest.raises(InvalidInput) as raised:
        event_cursor(bad)
    assert raised.value.field == "cursor"


@pytest.mark.parametrize("bad", ["1:RUNNING", "a:b", "1-0"])
def test_bad_lab_cursors_name_the_field(bad: str):
    with pytest.raises(InvalidInput) as raised:
        lab_messages(_record("running"), bad)
    assert raised.value.field == "cursor"


def test_event_filters_keep_one_account_or_component():
    events = [Event("1-0", "scan.region", "t", {"account_id": "a"}), Event("2-0", "scan.region", "t", {"account_id": "b"}),
              Event("3-0", "log", "t", {"component_id": "WORK-DISC-01"})]
    assert [m.cursor for m in event_messages("s", events, account_id="b")] == ["2-0"]
    assert [m.cursor for m in event_messages("s", events, component_id="WORK-DISC-01")] == ["3-0"]
    assert event_cursor(None) == "0-0" and component_filter("") is None
    with pytest.raises(InvalidInput):
        component_filter("no spaces")
