// Hibernation: client-hib-grid-unique-indep-drag-paint (the 7 × 24 painter), client-hib-select-reuse-dep-choose-timezone,
// client-hib-check-reuse-dep-click-prewarm, client-hib-button-unique-indep-click-wake (Wake up now for a duration);
// the next transition from the API and the schedule's estimated monthly saving.
import { useEffect, useMemo, useState } from "react";
import { api, call, type Schemas } from "../api/client";
import { ClusterPicker, useClusters } from "../clusters";
import { ScheduleGrid } from "../components/ScheduleGrid";
import { Empty, ErrorNote, Loading } from "../components/States";
import { usd, when } from "../lib/format";
import { alwaysAwake, asleepHours, estimatedMonthlySaving, isValidMatrix, workHours } from "../lib/schedule";
import { useAsync } from "../lib/useAsync";

type Schedule = Schemas["ScheduleResponse"];

const zones = (): string[] => {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const list = intl.supportedValuesOf?.("timeZone") ?? ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"];
  return list.includes("UTC") ? list : ["UTC", ...list];
};

function Editor({ clusterId }: { clusterId: string }) {
  const schedule = useAsync(() => call(api.GET("/api/hibernation/{cluster_id}", { params: { path: { cluster_id: clusterId } } })), [clusterId]);
  const projection = useAsync(() => call(api.GET("/api/metrics/projection", { params: { query: { cluster_id: clusterId } } })), [clusterId]);
  const [matrix, setMatrix] = useState<number[]>(alwaysAwake());
  const [timezone, setTimezone] = useState("UTC");
  const [duration, setDuration] = useState(60);
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const tzList = useMemo(zones, []);

  useEffect(() => {
    const s = schedule.data;
    if (!s) return;
    setMatrix(s.configured && isValidMatrix(s.schedule_matrix) ? s.schedule_matrix : alwaysAwake());
    setTimezone(s.timezone || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  }, [schedule.data]);

  if (schedule.loading && !schedule.data) return <Loading />;
  if (schedule.error && !schedule.data) return <ErrorNote error={schedule.error} onRetry={schedule.reload} />;
  const s = schedule.data!;
  const dirty = !s.configured || matrix.join("") !== s.schedule_matrix.join("") || timezone !== s.timezone;

  const run = async (label: string, work: () => Promise<Schedule>) => {
    setBusy(true);
    setError(null);
    setNote(null);
    try {
      schedule.setData(await work());
      setNote(label);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const monthly = projection.data?.unoptimized;

  return (
    <>
      <div className="hib-status card" aria-live="polite">
        <span className={`pill ${s.awake_now ? "awake" : "asleep"}`}>{s.awake_now ? "awake" : "asleep"} now</span>
        <span>
          Next transition:{" "}
          <strong data-testid="next-transition">{s.next_transition ? `${s.next_transition.state} at ${when(s.next_transition.at)}` : s.configured ? "none in the next 8 days" : "no schedule yet"}</strong>
        </span>
        {s.override_until ? <span>Awake by override until {when(s.override_until)}</span> : null}
        <span className="muted">
          {s.configured ? `schedule version ${s.version}${s.enabled ? "" : " (disabled)"}` : "not configured: the cluster never sleeps"}
        </span>
      </div>
      <ErrorNote error={error} />
      {note ? (
        <p className="ok" role="status">
          {note}
        </p>
      ) : null}
      <section className="card" aria-labelledby="week">
        <div className="page-head">
          <h2 id="week">Awake hours ({timezone}, local wall-clock time)</h2>
          <div className="buttons">
            <button type="button" className="secondary small" onClick={() => setMatrix(workHours())}>
              Work hours
            </button>
            <button type="button" className="secondary small" onClick={() => setMatrix(alwaysAwake())}>
              Always awake
            </button>
          </div>
        </div>
        <p className="muted">Drag across cells to paint; the first cell decides awake or asleep. Keyboard: arrows move, Space toggles, Shift+arrows paint.</p>
        <ScheduleGrid value={matrix} onChange={setMatrix} disabled={busy} />
        <p className="legend">
          <span className="swatch awake" /> awake <span className="swatch asleep" /> asleep · <strong>{asleepHours(matrix)}</strong> of 168 hours asleep
          {monthly !== undefined ? (
            <>
              {" "}
              · estimated saving <strong data-testid="hib-saving">{usd(estimatedMonthlySaving(matrix, monthly))}</strong> a month
              <span className="muted"> (the cluster's {usd(monthly)}/month × hours asleep)</span>
            </>
          ) : null}
        </p>
        <div className="row-form">
          <label className="inline">
            Timezone{" "}
            <select value={timezone} onChange={(e) => setTimezone(e.target.value)} aria-label="Timezone">
              {tzList.map((z) => (
                <option key={z} value={z}>
                  {z}
                </option>
              ))}
            </select>
          </label>
          {s.configured && timezone !== s.timezone ? (
            <button type="button" className="secondary" disabled={busy} onClick={() => void run(`Timezone set to ${timezone}`, () => call(api.PATCH("/api/hibernation/tz", { body: { cluster_id: clusterId, timezone } })))}>
              Save timezone only
            </button>
          ) : null}
          <button type="button" disabled={busy || !dirty} onClick={() => void run("Schedule saved", () => call(api.POST("/api/hibernation/schedule", { body: { cluster_id: clusterId, schedule_matrix: matrix as (0 | 1)[], timezone, prewarm: s.prewarm, enabled: true } })))}>
            Save schedule
          </button>
        </div>
      </section>
      <section className="card" aria-labelledby="wake">
        <h2 id="wake">Pre-warm and wake-up</h2>
        <label className="check">
          <input
            type="checkbox"
            checked={s.prewarm}
            disabled={busy || !s.configured}
            onChange={(e) => void run(e.target.checked ? "Pre-warm on" : "Pre-warm off", () => call(api.PATCH("/api/hibernation/prewarm", { body: { cluster_id: clusterId, enabled: e.target.checked } })))}
          />{" "}
          Pre-warm: wake 30 minutes before each scheduled wake {s.configured ? "" : "(save a schedule first)"}
        </label>
        <div className="row-form">
          <label className="inline">
            Wake up now for{" "}
            <select value={duration} onChange={(e) => setDuration(Number(e.target.value))} aria-label="Wake-up duration">
              {[30, 60, 120, 240, 480, 1440].map((m) => (
                <option key={m} value={m}>
                  {m < 60 ? `${m} minutes` : `${m / 60} hour${m > 60 ? "s" : ""}`}
                </option>
              ))}
            </select>
          </label>
          <button type="button" disabled={busy} onClick={() => void run(`Awake for ${duration} minutes`, () => call(api.POST("/api/hibernation/override", { body: { cluster_id: clusterId, duration_minutes: duration } })))}>
            Wake up now
          </button>
        </div>
      </section>
    </>
  );
}

export default function Hibernation() {
  const { selected, loading, error, reload } = useClusters();
  return (
    <div className="page">
      <div className="page-head">
        <h1>Hibernation{selected ? ` · ${selected.name}` : ""}</h1>
        <ClusterPicker />
      </div>
      {loading ? <Loading /> : error ? <ErrorNote error={error} onRetry={reload} /> : selected ? <Editor key={selected.cluster_id} clusterId={selected.cluster_id} /> : <Empty title="No cluster to schedule yet" />}
    </div>
  );
}
