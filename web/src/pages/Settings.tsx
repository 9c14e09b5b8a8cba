// Settings: the caller's own settings (GET/PUT /api/auth/me/settings): the weekly report e-mail
// (WORK-RPT-01, Mondays 08:00 UTC), on by default, which a user may opt out of.
import { useState } from "react";
import { api, call } from "../api/client";
import { useAuth } from "../auth";
import { ErrorNote, fieldError, Loading } from "../components/States";
import { useAsync } from "../lib/useAsync";

export default function Settings() {
  const { me } = useAuth();
  const settings = useAsync(() => call(api.GET("/api/auth/me/settings")), []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);

  const setWeekly = async (weekly: boolean) => {
    setBusy(true);
    setError(null);
    setNote(null);
    const before = settings.data;
    settings.setData({ weekly_report: weekly }); // the box follows the click at once; an error puts it back
    try {
      const saved = await call(api.PUT("/api/auth/me/settings", { body: { weekly_report: weekly } }));
      settings.setData(saved);
      setNote(saved.weekly_report ? "You will receive the weekly report." : "You will no longer receive the weekly report.");
    } catch (err) {
      if (before) settings.setData(before);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const weeklyError = fieldError(error, "weekly_report");

  return (
    <div className="page narrow">
      <h1>Settings</h1>
      <section className="card" aria-labelledby="email-heading">
        <h2 id="email-heading">E-mail</h2>
        {settings.loading && !settings.data ? <Loading /> : settings.error && !settings.data ? <ErrorNote error={settings.error} onRetry={settings.reload} /> : (
          <>
            <label className="check">
              <input
                type="checkbox"
                checked={settings.data?.weekly_report ?? true}
                disabled={busy}
                aria-describedby="weekly-help"
                aria-invalid={weeklyError ? true : undefined}
                onChange={(e) => void setWeekly(e.target.checked)}
              />
              Send me the weekly report
            </label>
            <p id="weekly-help" className="muted small-text">
              Every Monday at 08:00 UTC{me ? ` to ${me.email}` : ""}: last week's spend, realized and available savings, the top actions,
              interruptions the hive mind avoided, hibernation hours, and what needs attention.
            </p>
            {weeklyError ? <p className="field-error">{weeklyError}</p> : null}
            {note ? <p className="ok" role="status">{note}</p> : null}
            <ErrorNote error={error} />
          </>
        )}
      </section>
    </div>
  );
}
