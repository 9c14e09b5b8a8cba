"""The weekly report as an e-mail: a plain-text and an HTML body (``string.Template``, every value escaped)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from string import Template

from spothive.domain.weekly_report import WeeklyReport


@dataclass(frozen=True, slots=True)
class RenderedMail:
    """Subject and both bodies."""

    subject: str
    text: str
    html: str


def usd(value: float) -> str:
    """``1234.5`` → ``$1,234.50``."""
    return f"-${abs(value):,.2f}" if value < 0 else f"${value:,.2f}"


_TEXT = Template("""\
SpotHive weekly report for $org, $week

Spend this week:                 $spend
Realized savings:                $realized ($optimizations optimization$plural executed)
Available savings:               $available a month
Interruptions avoided (hive mind): $avoided
Hibernation:                     $hibernation cluster-hours asleep

Top actions
$actions

Needs attention
$attention

Open the dashboard: $console
Stop these e-mails: $console/settings (Weekly report: off)
""")

_HTML = Template("""\
<!doctype html>
<html><body style="font-family:sans-serif;color:#1f2937">
<h1 style="font-size:20px">SpotHive weekly report for $org</h1>
<p style="color:#6b7280">$week</p>
<table cellpadding="6" style="border-collapse:collapse">
<tr><td>Spend this week</td><td><strong>$spend</strong></td></tr>
<tr><td>Realized savings</td><td><strong>$realized</strong> ($optimizations optimization$plural executed)</td></tr>
<tr><td>Available savings</td><td><strong>$available</strong> a month</td></tr>
<tr><td>Interruptions avoided by the hive mind</td><td><strong>$avoided</strong></td></tr>
<tr><td>Hibernation</td><td><strong>$hibernation</strong> cluster-hours asleep</td></tr>
</table>
<h2 style="font-size:16px">Top actions</h2>
<ul>$actions</ul>
<h2 style="font-size:16px">Needs attention</h2>
<ul>$attention</ul>
<p><a href="$console">Open the dashboard</a> &middot;
<a href="$console/settings">Stop these e-mails</a></p>
</body></html>
""")


def render(report: WeeklyReport, console_url: str) -> RenderedMail:
    """Subject, text and HTML for ``report``; links point at ``console_url``."""
    last_day = report.week_end.date().fromordinal(report.week_end.date().toordinal() - 1)
    week = f"{report.week_start:%d %b %Y} to {last_day:%d %b %Y} (UTC)"
    actions = [f"Optimize {a.cluster}: {a.actions} action{'s' if a.actions != 1 else ''}, "
               f"saves {usd(a.monthly_savings)} a month" for a in report.top_actions] or ["Nothing to do: fleet is optimized"]
    attention = report.attention or ["Nothing: every agent is connected and nothing was blocked"]
    values = {
        "org": report.org_name, "week": week, "spend": usd(report.spend), "realized": usd(report.realized_savings),
        "optimizations": str(report.optimizations), "plural": "" if report.optimizations == 1 else "s",
        "available": usd(report.available_monthly_savings), "avoided": str(report.interruptions_avoided),
        "hibernation": f"{report.hibernation_hours:g}", "console": console_url.rstrip("/"),
    }
    text = _TEXT.substitute(values, actions="\n".join(f"- {a}" for a in actions),
                            attention="\n".join(f"- {a}" for a in attention))
    html = _HTML.substitute(
        {k: escape(v, quote=True) for k, v in values.items()},
        actions="".join(f"<li>{escape(a)}</li>" for a in actions),
        attention="".join(f"<li>{escape(a)}</li>" for a in attention),
    )
    subject = f"SpotHive weekly: {usd(report.realized_savings)} saved, {usd(report.available_monthly_savings)}/month available"
    return RenderedMail(subject, text, html)
