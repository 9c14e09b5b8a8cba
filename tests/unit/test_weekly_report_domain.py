"""The weekly report's figures and its rendering (pure domain)."""

from __future__ import annotations

from datetime import UTC, datetime

from spothive.domain.report_render import render, usd
from spothive.domain.weekly_report import (
    Completion,
    Opportunity,
    Transition,
    WeeklyReport,
    hibernation_hours,
    realized_savings,
    report_week,
    top_actions,
    weekly_spend,
)

START, END = datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 7, tzinfo=UTC)


def test_the_week_is_the_last_full_monday_to_monday():
    assert report_week(datetime(2026, 12, 7, 8, tzinfo=UTC)) == (START, END)
    assert report_week(datetime(2026, 12, 13, 23, 59, tzinfo=UTC)) == (START, END)


def test_realized_savings_count_hours_inside_the_week_only():
    done = [Completion("a", datetime(2026, 12, 6, 12, tzinfo=UTC), 1.0),  # 12 h
            Completion("b", datetime(2026, 11, 20, tzinfo=UTC), 0.25),  # the whole week: 168 h
            Completion("c", datetime(2026, 12, 8, tzinfo=UTC), 9.0)]  # after the week
    assert realized_savings(done, START, END) == 54.0


def test_hibernation_counts_sleeps_spanning_the_week_edges():
    changes = [Transition("c1", datetime(2026, 11, 30, 6, tzinfo=UTC), "awake"),  # asleep since before: 6 h
               Transition("c1", datetime(2026, 12, 1, 20, tzinfo=UTC), "asleep"),
               Transition("c1", datetime(2026, 12, 2, 6, tzinfo=UTC), "awake"),  # 10 h
               Transition("c2", datetime(2026, 12, 6, 22, tzinfo=UTC), "asleep")]  # to the end: 2 h
    assert hibernation_hours(changes, START, END) == 18.0


def test_spend_and_top_actions():
    assert weekly_spend(730.0) == 168.0
    ranked = top_actions([Opportunity("a", 10, 1), Opportunity("b", 0, 0), Opportunity("c", 30, 2),
                          Opportunity("d", 20, 4), Opportunity("e", 5, 1)])
    assert [o.cluster for o in ranked] == ["c", "d", "a"]


def test_rendering_escapes_and_formats_every_figure():
    report = WeeklyReport("o", "R&D <ops>", START, END, spend=1234.5, monthly_spend=5366.0,
                          available_monthly_savings=812.25, realized_savings=42.0, optimizations=1,
                          interruptions_avoided=2, hibernation_hours=16.0,
                          top_actions=[Opportunity("prod<1>", 500.0, 3)], attention=["Agent offline on x"])
    mail = render(report, "https://app.spothive.io/")
    assert mail.subject == "SpotHive weekly: $42.00 saved, $812.25/month available"
    assert "Spend this week:                 $1,234.50" in mail.text
    assert "Realized savings:                $42.00 (1 optimization executed)" in mail.text
    assert "- Optimize prod<1>: 3 actions, saves $500.00 a month" in mail.text
    assert "30 Nov 2026 to 06 Dec 2026 (UTC)" in mail.text
    assert "R&amp;D &lt;ops&gt;" in mail.html and "prod&lt;1&gt;" in mail.html and "<ops>" not in mail.html
    assert 'href="https://app.spothive.io/settings"' in mail.html
    assert usd(-3) == "-$3.00"
