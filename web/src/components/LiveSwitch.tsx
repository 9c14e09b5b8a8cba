// admin-lab-form-reuse-dep-submit-live: the live switch (POST /api/lab/live-switch) of an org's On-Demand
// instance to Spot, followed step by step over the lab stream (WebSocket /api/lab/stream/{id}); when the
// socket fails, GET /api/lab/experiments/{id} is polled with backoff. Steps, durations, the price before and
// after, and the rollback when one ran.
import { useEffect, useState, type FormEvent } from "react";
import { api, call } from "../api/client";
import { pollWithBackoff } from "../lib/backoff";
import { usd, when } from "../lib/format";
import { applyLabMessage, duration, emptySwitch, FINAL, fromRecord, isFailedStep, isRollbackStep, priceChange, STATUS_TEXT, totalMs, type SwitchView } from "../lib/lab";
import { INSTANCE_ID } from "../lib/rightsizing";
import { openStream } from "../lib/stream";
import { Empty, ErrorNote, fieldError } from "./States";
import { ModelSelect, OrgInput, type Models } from "./LabInputs";

const getRecord = (id: string) => call(api.GET("/api/lab/experiments/{experiment_id}", { params: { path: { experiment_id: id } } })) as Promise<Record<string, unknown>>;

/** Follow one experiment: the stream while it runs, the record once it ends (or when the socket fails). */
export function useExperiment(experimentId: string | null): { view: SwitchView | null; transport: "stream" | "polling" | null; error: unknown } {
  const [view, setView] = useState<SwitchView | null>(null);
  const [transport, setTransport] = useState<"stream" | "polling" | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (!experimentId) return;
    const abort = new AbortController();
    setView(emptySwitch(experimentId));
    setError(null);
    const refresh = async () => {
      const record = fromRecord(await getRecord(experimentId));
      if (!abort.signal.aborted) setView(record);
      return record;
    };
    const poll = () => {
      if (abort.signal.aborted) return;
      setTransport("polling");
      void pollWithBackoff(
        async () => {
          const record = await refresh();
          return { done: FINAL.has(record.status), value: record };
        },
        { signal: abort.signal, baseMs: 500, maxMs: 5000, maxAttempts: 400 },
      ).catch((err: unknown) => {
        if (!abort.signal.aborted) setError(err);
      });
    };
    setTransport("stream");
    const stream = openStream(`/api/lab/stream/${encodeURIComponent(experimentId)}`, {}, {
      onMessage(message) {
        if (!abort.signal.aborted) setView((v) => applyLabMessage(v ?? emptySwitch(experimentId), message));
      },
      onClose({ clean }) {
        if (abort.signal.aborted) return;
        // 1000: the experiment ended; the record adds what the messages do not carry (errors, the Spot id)
        if (clean) refresh().catch((err: unknown) => setError(err));
        else poll();
      },
    });
    return () => {
      abort.abort();
      stream.close();
    };
  }, [experimentId]);
  return { view, transport, error };
}

export function SwitchTelemetry({ view, transport }: { view: SwitchView; transport: "stream" | "polling" | null }) {
  const change = priceChange(view.priceBefore, view.priceAfter);
  const rollback = view.steps.filter(isRollbackStep);
  const final = FINAL.has(view.status);
  return (
    <div className="job" aria-live="polite" data-testid="live-switch-telemetry">
      <p>
        Experiment <code>{view.experimentId}</code>
        {view.instanceId ? (
          <>
            {" "}on <code>{view.instanceId}</code>
          </>
        ) : null}
        : <span className={`pill ${view.status}`} data-testid="experiment-status">{STATUS_TEXT[view.status] ?? view.status}</span>
        {view.spotInstanceId ? (
          <>
            {" "}→ Spot <code>{view.spotInstanceId}</code>
          </>
        ) : null}
        {transport && !final ? <span className="badge"> · {transport === "stream" ? "live" : "checking every few seconds"}</span> : null}
      </p>
      <dl className="kv">
        <dt>Price before (On-Demand)</dt>
        <dd>{view.priceBefore === null ? "—" : `${usd(view.priceBefore)}/h`}</dd>
        <dt>Price after (Spot)</dt>
        <dd>{view.priceAfter === null ? "—" : `${usd(view.priceAfter)}/h`}</dd>
        {change ? (
          <>
            <dt>Saving</dt>
            <dd data-testid="switch-saving">
              {usd(change.perHour)}/h ({Math.round(change.share * 100)}%), {usd(change.perHour * 730)} a month
            </dd>
          </>
        ) : null}
        <dt>{final ? "Total time" : "Time so far"}</dt>
        <dd>{duration(totalMs(view.steps))}</dd>
      </dl>
      {view.error ? <p className="field-error">Error: {view.error}</p> : null}
      {view.steps.length ? (
        <table className="steps" aria-label="Live switch steps">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Step</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {view.steps.map((s) => (
              <tr key={s.index}>
                <td>{s.index + 1}</td>
                <td className={isRollbackStep(s) ? "rollback" : undefined}>
                  <code>{s.step}</code>
                </td>
                <td>{when(s.started_at)}</td>
                <td>{duration(s.duration_ms)}</td>
                <td className={isFailedStep(s) ? "failed" : undefined}>{s.result}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{final ? "No step was recorded." : "Waiting for the first step…"}</p>
      )}
      {rollback.length || view.status === "rolled_back" ? (
        <section aria-label="Rollback" className="state conflict">
          <strong>Rolled back</strong>: {rollback.map((s) => `${s.step} (${s.result})`).join(", ") || "the original instance was restored"}
          {view.rollbackError ? <span> — rollback error: {view.rollbackError}</span> : null}
        </section>
      ) : null}
    </div>
  );
}

export function LiveSwitchPanel({ models }: { models: Models }) {
  const [orgId, setOrgId] = useState("");
  const [instanceId, setInstanceId] = useState("");
  const [modelId, setModelId] = useState("");
  const [dryRun, setDryRun] = useState(true);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [experimentId, setExperimentId] = useState<string | null>(null);
  const [followId, setFollowId] = useState("");
  const followed = useExperiment(experimentId);

  const badInstance = instanceId && !INSTANCE_ID.test(instanceId.trim()) ? "An EC2 instance id looks like i-0123456789abcdef0." : null;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (badInstance || !orgId.trim() || !instanceId.trim()) return;
    if (!dryRun && !confirming) {
      setConfirming(true); // a real switch stops the instance: one more explicit click
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const started = (await call(
        api.POST("/api/lab/live-switch", { body: { org_id: orgId.trim(), instance_id: instanceId.trim(), model_id: modelId || null, dry_run: dryRun } }),
      )) as { experiment_id: string };
      setExperimentId(started.experiment_id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  };
  const err = (field: string) => fieldError(error, field);

  return (
    <div>
      <form className="row-form" onSubmit={submit} aria-label="Start a live switch">
        <OrgInput id="ls-org" value={orgId} onChange={setOrgId} error={err("org_id")} />
        <div className="field">
          <label htmlFor="ls-instance">On-Demand instance</label>
          <input id="ls-instance" value={instanceId} onChange={(e) => { setInstanceId(e.target.value); setConfirming(false); }} placeholder="i-0123456789abcdef0" maxLength={19} aria-invalid={badInstance || err("instance_id") ? true : undefined} aria-describedby={badInstance || err("instance_id") ? "ls-instance-err" : undefined} />
          {badInstance || err("instance_id") ? <p id="ls-instance-err" className="field-error">{badInstance ?? err("instance_id")}</p> : null}
        </div>
        <ModelSelect models={models} id="ls-model" label="Model under test (optional)" value={modelId} onChange={setModelId} optional error={err("model_id")} />
        <label className="check">
          <input type="checkbox" checked={dryRun} onChange={(e) => { setDryRun(e.target.checked); setConfirming(false); }} /> Dry run (changes nothing)
        </label>
        <button type="submit" className={confirming ? "danger" : undefined} disabled={busy || !orgId.trim() || !instanceId.trim() || !!badInstance}>
          {busy ? "Starting…" : confirming ? `Confirm: stop ${instanceId.trim()} and switch it to Spot` : dryRun ? "Start a dry run" : "Start the live switch"}
        </button>
      </form>
      {confirming ? <p className="warning" role="status">A real switch stops the instance, moves its volumes to a Spot copy and rolls back on failure. Press again to confirm.</p> : null}
      <ErrorNote error={error} />
      <form className="row-form" onSubmit={(e) => { e.preventDefault(); if (followId.trim()) setExperimentId(followId.trim()); }} aria-label="Follow an experiment">
        <div className="field">
          <label htmlFor="ls-follow">Or follow an experiment id</label>
          <input id="ls-follow" value={followId} onChange={(e) => setFollowId(e.target.value)} placeholder="exp-…" maxLength={80} />
        </div>
        <button type="submit" className="secondary" disabled={!followId.trim()}>Follow</button>
      </form>
      <ErrorNote error={followed.error} />
      {followed.view ? <SwitchTelemetry view={followed.view} transport={followed.transport} /> : <Empty title="No experiment yet">Start one above; its steps appear here as they run.</Empty>}
    </div>
  );
}
