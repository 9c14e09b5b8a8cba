"""awake_at and next_transition: local wall-clock cells, DST gaps and overlaps, odd offsets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spothive.domain.errors import InvalidInput
from spothive.domain.hibernation import (
    ASLEEP,
    AWAKE,
    Transition,
    awake_at,
    cell,
    next_transition,
    validate_matrix,
    validate_override_minutes,
    zone,
)

SUN = 6 * 24  # first cell of Sunday (Monday 00:00 is cell 0)


def only(*cells: int) -> list[int]:
    matrix = [0] * 168
    for c in cells:
        matrix[c] = 1
    return matrix


def office_hours(start: int = 9, end: int = 17, days: range = range(5)) -> list[int]:
    return only(*(d * 24 + h for d in days for h in range(start, end)))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- validation -----------------------------------------------------------------------------------

def test_matrix_must_have_168_cells() -> None:
    with pytest.raises(InvalidInput) as err:
        validate_matrix([1] * 167)
    assert err.value.field == "schedule_matrix"
    assert "168" in err.value.message


@pytest.mark.parametrize("bad", [2, -1, "1", True, None, 0.5])
def test_matrix_cells_must_be_zero_or_one(bad: object) -> None:
    values: list[object] = [1] * 168
    values[42] = bad
    with pytest.raises(InvalidInput) as err:
        validate_matrix(values)
    assert err.value.field == "schedule_matrix.42"


def test_unknown_time_zone_names_the_field() -> None:
    for name in ("Mars/Olympus_Mons", "", "../etc/passwd", "Europe/Berlin "):
        with pytest.raises(InvalidInput) as err:
            zone(name)
        assert err.value.field == "timezone"
    assert zone("Asia/Kathmandu").key == "Asia/Kathmandu"


def test_override_duration_bounds() -> None:
    assert validate_override_minutes(1) == 1
    assert validate_override_minutes(1440) == 1440
    for bad in (0, 1441):
        with pytest.raises(InvalidInput) as err:
            validate_override_minutes(bad)
        assert err.value.field == "duration_minutes"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        awake_at([1] * 168, "UTC", datetime(2026, 1, 5, 9))


# --- plain cells ---------------------------------------------------------------------------------

def test_cell_is_local_weekday_times_24_plus_local_hour() -> None:
    # Given Monday 2026-03-02 10:15 in New York (EST, UTC-5)
    assert cell("America/New_York", utc(2026, 3, 2, 15, 15)) == 10
    # And Sunday 23:59 local is the last cell
    assert cell("America/New_York", utc(2026, 3, 2, 4, 59)) == 167


def test_office_hours_in_new_york() -> None:
    schedule = office_hours()
    assert awake_at(schedule, "America/New_York", utc(2026, 3, 2, 14, 0))  # Mon 09:00 EST
    assert not awake_at(schedule, "America/New_York", utc(2026, 3, 2, 13, 59))  # Mon 08:59 EST
    assert next_transition(schedule, "America/New_York", utc(2026, 3, 2, 14, 0)) == Transition(
        utc(2026, 3, 2, 22, 0), ASLEEP)  # Mon 17:00 EST
    # Friday 17:00 → the next wake is Monday 09:00
    assert next_transition(schedule, "America/New_York", utc(2026, 3, 6, 22, 0)) == Transition(
        utc(2026, 3, 9, 13, 0), AWAKE)  # Mon 09:00 EDT: DST began on the Sunday between


def test_week_wraps_from_sunday_to_monday() -> None:
    schedule = only(0)  # Monday 00:00-01:00 only
    assert next_transition(schedule, "UTC", utc(2026, 3, 8, 23, 10)) == Transition(utc(2026, 3, 9, 0, 0), AWAKE)


def test_constant_schedules_never_change() -> None:
    assert next_transition([1] * 168, "Europe/Berlin", utc(2026, 3, 28, 0)) is None
    assert next_transition([0] * 168, "Europe/Berlin", utc(2026, 3, 28, 0)) is None
    assert awake_at([1] * 168, "Europe/Berlin", utc(2026, 3, 29, 1, 30))


# --- daylight saving time --------------------------------------------------------------------------

def test_new_york_spring_forward_skips_the_nonexistent_hour() -> None:
    # Given only Sunday 02:00-03:00 awake; on 2026-03-08 the clock jumps 02:00 EST -> 03:00 EDT (07:00Z)
    schedule = only(SUN + 2)
    # Then that day the cluster never wakes: no instant has local hour 2
    moments = [utc(2026, 3, 8, 4) + timedelta(minutes=m) for m in range(0, 6 * 60)]
    assert not any(awake_at(schedule, "America/New_York", t) for t in moments)
    # And the next wake is a week later, 02:00 EDT = 06:00Z
    assert next_transition(schedule, "America/New_York", utc(2026, 3, 8, 0)) == Transition(
        utc(2026, 3, 15, 6, 0), AWAKE)


def test_new_york_spring_forward_hour_one_then_three() -> None:
    # Given Sunday 01:00-02:00 awake and 03:00 asleep: the awake hour ends when the clock jumps
    schedule = only(SUN + 1)
    assert next_transition(schedule, "America/New_York", utc(2026, 3, 8, 5, 0)) == Transition(
        utc(2026, 3, 8, 6, 0), AWAKE)  # 01:00 EST
    assert next_transition(schedule, "America/New_York", utc(2026, 3, 8, 6, 0)) == Transition(
        utc(2026, 3, 8, 7, 0), ASLEEP)  # 01:59:59 EST is followed by 03:00 EDT


def test_new_york_fall_back_repeated_hour_uses_its_cell_twice() -> None:
    # Given only Sunday 01:00-02:00 awake; on 2026-11-01, 01:00-02:00 happens in EDT (05Z) and again in EST (06Z)
    schedule = only(SUN + 1)
    assert awake_at(schedule, "America/New_York", utc(2026, 11, 1, 5, 30))  # 01:30 EDT (first)
    assert awake_at(schedule, "America/New_York", utc(2026, 11, 1, 6, 30))  # 01:30 EST (repeat)
    assert next_transition(schedule, "America/New_York", utc(2026, 11, 1, 4, 0)) == Transition(
        utc(2026, 11, 1, 5, 0), AWAKE)
    # Then the cell governs two real hours: asleep at 02:00 EST = 07:00Z
    assert next_transition(schedule, "America/New_York", utc(2026, 11, 1, 5, 0)) == Transition(
        utc(2026, 11, 1, 7, 0), ASLEEP)


def test_berlin_spring_forward_and_fall_back() -> None:
    schedule = only(SUN + 2)  # Sunday 02:00-03:00 local
    # 2026-03-29: 02:00 CET -> 03:00 CEST at 01:00Z: the hour does not exist, next wake is 2026-04-05 02:00 CEST
    assert next_transition(schedule, "Europe/Berlin", utc(2026, 3, 28, 20)) == Transition(utc(2026, 4, 5, 0), AWAKE)
    # 2026-10-25: 03:00 CEST -> 02:00 CET at 01:00Z: 02:00-03:00 happens twice, 00:00Z-02:00Z
    assert next_transition(schedule, "Europe/Berlin", utc(2026, 10, 24, 20)) == Transition(
        utc(2026, 10, 25, 0), AWAKE)
    assert next_transition(schedule, "Europe/Berlin", utc(2026, 10, 25, 0)) == Transition(
        utc(2026, 10, 25, 2), ASLEEP)


def test_berlin_office_hours_keep_local_time_across_dst() -> None:
    schedule = office_hours()
    # Friday 2026-03-27 09:00 CET = 08:00Z; Monday 2026-03-30 09:00 CEST = 07:00Z
    assert awake_at(schedule, "Europe/Berlin", utc(2026, 3, 27, 8, 0))
    assert awake_at(schedule, "Europe/Berlin", utc(2026, 3, 30, 7, 0))
    assert not awake_at(schedule, "Europe/Berlin", utc(2026, 3, 30, 6, 59))


def test_lord_howe_thirty_minute_fall_back() -> None:
    # 2026-04-05 02:00 LHDT (+11) -> 01:30 LHST (+10:30) at 15:00Z on the 4th: 01:30-02:00 repeats
    schedule = only(SUN + 1)  # Sunday 01:00-02:00 local
    assert next_transition(schedule, "Australia/Lord_Howe", utc(2026, 4, 4, 13)) == Transition(
        utc(2026, 4, 4, 14, 0), AWAKE)  # 01:00 +11
    # The cell covers 90 real minutes: until 02:00 +10:30 = 15:30Z
    assert next_transition(schedule, "Australia/Lord_Howe", utc(2026, 4, 4, 14)) == Transition(
        utc(2026, 4, 4, 15, 30), ASLEEP)


def test_lord_howe_thirty_minute_spring_forward() -> None:
    # 2026-10-04 02:00 LHST (+10:30) -> 02:30 LHDT (+11) at 15:30Z on the 3rd: 02:00-02:30 does not exist
    schedule = only(SUN + 2)  # Sunday 02:00-03:00 local
    assert next_transition(schedule, "Australia/Lord_Howe", utc(2026, 10, 3, 13)) == Transition(
        utc(2026, 10, 3, 15, 30), AWAKE)  # 02:30 +11
    # The cell covers only 30 real minutes: until 03:00 +11 = 16:00Z
    assert next_transition(schedule, "Australia/Lord_Howe", utc(2026, 10, 3, 15, 31)) == Transition(
        utc(2026, 10, 3, 16, 0), ASLEEP)


@pytest.mark.parametrize(("tz", "wake", "sleep"), [
    ("Asia/Kolkata", utc(2026, 3, 2, 3, 30), utc(2026, 3, 2, 11, 30)),  # +05:30
    ("Asia/Kathmandu", utc(2026, 3, 2, 3, 15), utc(2026, 3, 2, 11, 15)),  # +05:45
])
def test_half_and_quarter_hour_offsets(tz: str, wake: datetime, sleep: datetime) -> None:
    schedule = office_hours()  # Monday 09:00-17:00 local
    assert next_transition(schedule, tz, utc(2026, 3, 2, 0)) == Transition(wake, AWAKE)
    assert next_transition(schedule, tz, wake) == Transition(sleep, ASLEEP)
    assert not awake_at(schedule, tz, wake - timedelta(seconds=1))


# --- pre-warm and override ---------------------------------------------------------------------------

def test_prewarm_wakes_thirty_minutes_early() -> None:
    schedule = office_hours()
    t = utc(2026, 3, 2, 13, 30)  # Mon 08:30 EST
    assert not awake_at(schedule, "America/New_York", t)
    assert awake_at(schedule, "America/New_York", t, prewarm=True)
    assert next_transition(schedule, "America/New_York", utc(2026, 3, 2, 12), prewarm=True) == Transition(t, AWAKE)
    # The end of the awake period does not move
    assert next_transition(schedule, "America/New_York", t, prewarm=True) == Transition(utc(2026, 3, 2, 22), ASLEEP)


def test_prewarm_is_thirty_real_minutes_across_spring_forward() -> None:
    # Sunday 03:00 EDT (07:00Z) wake; 30 real minutes earlier is 01:30 EST (06:30Z)
    schedule = only(SUN + 3)
    assert next_transition(schedule, "America/New_York", utc(2026, 3, 8, 5), prewarm=True) == Transition(
        utc(2026, 3, 8, 6, 30), AWAKE)


def test_override_keeps_awake_until_it_ends() -> None:
    schedule = office_hours()
    t = utc(2026, 3, 3, 3, 0)  # Mon 22:00 EST, asleep
    until = t + timedelta(minutes=95)
    assert not awake_at(schedule, "America/New_York", t)
    assert awake_at(schedule, "America/New_York", t, override_until=until)
    assert not awake_at(schedule, "America/New_York", until, override_until=until)
    assert next_transition(schedule, "America/New_York", t, override_until=until) == Transition(until, ASLEEP)


def test_result_does_not_depend_on_the_offset_t_is_given_in() -> None:
    # A datetime in any offset is the same instant: results do not depend on t's own tzinfo
    t = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
    assert awake_at(office_hours(), "America/New_York", t) == awake_at(
        office_hours(), "America/New_York", t.astimezone(UTC))


# --- properties ------------------------------------------------------------------------------------------

ZONES = ["America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Asia/Kolkata", "Asia/Kathmandu", "UTC"]


@settings(max_examples=60, deadline=None)
@given(
    cells=st.lists(st.integers(0, 1), min_size=168, max_size=168),
    tz=st.sampled_from(ZONES),
    minutes=st.integers(0, 366 * 24 * 60),
    prewarm=st.booleans(),
)
def test_next_transition_is_the_first_change(cells: list[int], tz: str, minutes: int, prewarm: bool) -> None:
    t = utc(2026, 1, 1) + timedelta(minutes=minutes)
    now = awake_at(cells, tz, t, prewarm)
    found = next_transition(cells, tz, t, prewarm)
    if found is None:
        return
    # The state flips exactly at the transition and not a minute before
    assert found.state == (AWAKE if not now else ASLEEP)
    assert awake_at(cells, tz, found.at, prewarm) != now
    step = t + timedelta(minutes=1)
    while step < found.at:
        assert awake_at(cells, tz, step, prewarm) == now
        step += timedelta(minutes=7)
