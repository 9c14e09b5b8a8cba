// admin-lab-form-reuse-dep-config-parallel: configure an A/B test (POST /api/lab/parallel: two instances of
// one org, each scored only by its own model), and admin-lab-chart-unique-indep-view-abtest: the comparison
// (GET /api/lab/parallel/{id}, stopped by POST /api/lab/parallel/{id}/stop): per model its predictions, the interruptions observed on its instance, and
// calibration (Brier score, mean prediction against observed rate, reliability bins side by side).
import { useEffect, useState, type FormEvent } from "react";
import { api, call } from "../api/client";
import { when } from "../lib/format";
import { betterArm, latestProbability, percent, type AbResults, type ArmResult } from "../lib/lab";
import { INSTANCE_ID } from "../lib/rightsizing";
import { useAsync } from "../lib/useAsync";
import { ModelSelect, OrgInput, type Models } from "./LabInputs";
import { Empty, ErrorNote, fieldError, Loading } from "./States";

const REFRESH_MS = 30000;

function Bar({ value, kind, label }: { value: number | null; kind: "predicted" | "observed"; label: string }) {
  if (value === null) return <span className="muted">—</span>;
  return (
    <span>
      <span className={`bar-cell ${kind}`} style={{ width: `${Math.max(2, Math.round(value * 120))}px` }} role="img" aria-label={`${label} ${percent(value)}`} /> {percent(value)}
    </span>
  );
}

function ArmCard({ arm, best }: { arm: ArmResult; best: boolean }) {
  const c = arm.calibration;
  return (
    <article className="card" aria-label={`Model ${arm.model_id} (arm ${arm.arm})`} data-testid={`arm-${arm.arm}`}>
      <h3>
        Arm {arm.arm.toUpperCase()}: <code>{arm.model_id}</code> {best ? <span className="pill planner">better calibrated</span> : null}
      </h3>
      <p className="muted">
        <code>{arm.instance_id}</code>
        {arm.instance_type ? ` · ${arm.instance_type}` : ""}
        {arm.zone ? ` · ${arm.zone}` : ""}
      </p>
      <dl className="kv">
        <dt>Predictions</dt>
        <dd data-testid="arm-predictions">{arm.predictions.length}</dd>
        <dt>Latest probability</dt>
        <dd>{percent(latestProbability(arm))}</dd>
        <dt>Interruptions observed</dt>
        <dd data-testid="arm-interruptions">{arm.observed_interruptions}</dd>
        <dt>Brier score</dt>
        <dd>{c.brier === null ? "— (no predictions yet)" : c.brier.toFixed(4)}</dd>
        <dt>Mean predicted</dt>
        <dd><Bar value={c.mean_predicted} kind="predicted" label="mean predicted" /></dd>
        <dt>Observed rate</dt>
        <dd><Bar value={c.observed_rate} kind="observed" label="observed rate" /></dd>
      </dl>
      {c.bins.length ? (
        <table aria-label={`Calibration of ${arm.model_id}`}>
          <thead>
            <tr>
              <th scope="col">Predicted</th>
              <th scope="col">Count</th>
              <th scope="col">Mean predicted</th>
              <th scope="col">Observed</th>
            </tr>
          </thead>
          <tbody>
            {c.bins.map((b) => (
              <tr key={b.low}>
                <td>{percent(b.low, 0)}–{percent(b.high, 0)}</td>
                <td>{b.count}</td>
                <td><Bar value={b.mean_predicted} kind="predicted" label="mean predicted" /></td>
                <td><Bar value={b.observed_rate} kind="observed" label="observed" /></td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {arm.interruptions.length ? (
        <p className="muted small-text">Spot warnings at {arm.interruptions.map((t) => when(t)).join(", ")}</p>
      ) : null}
    </article>
  );
}

/** POST /api/lab/parallel/{id}/stop after a confirming second click: the routing tags come off both
 * instances and later interruptions no longer count. */
export function StopTest({ testId, onStopped }: { testId: string; onStopped: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function stop() {
    setBusy(true);
    setError(null);
    try {
      await call(api.POST("/api/lab/parallel/{test_id}/stop", { params: { path: { test_id: testId } } }));
      setConfirming(false);
      onStopped();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <span className="stop-test">
      {confirming ? (
        <>
          <span role="status">Stop the test? Both instances lose their model tag.</span>{" "}
          <button type="button" className="danger small" onClick={() => void stop()} disabled={busy}>
            {busy ? "Stopping…" : "Confirm stop"}
          </button>{" "}
          <button type="button" className="secondary small" onClick={() => setConfirming(false)} disabled={busy}>
            Keep it running
          </button>
        </>
      ) : (
        <button type="button" className="secondary small" onClick={() => setConfirming(true)}>
          Stop test
        </button>
      )}
      {error ? <ErrorNote error={error} /> : null}
    </span>
  );
}

export function AbResultsView({ testId }: { testId: string }) {
  const results = useAsync(() => call(api.GET("/api/lab/parallel/{test_id}", { params: { path: { test_id: testId } } })).then((b) => b as unknown as AbResults), [testId]);
  useEffect(() => {
    const timer = setInterval(results.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [results.reload]);
  if (results.loading && !results.data) return <Loading label="Reading the A/B test…" />;
  if (results.error && !results.data) return <ErrorNote error={results.error} onRetry={results.reload} />;
  const r = results.data!;
  const best = betterArm(r.models);
  return (
    <section aria-label={`A/B test ${r.test_id}`} data-testid="ab-results">
      <div className="page-head">
        <p>
          Test <code>{r.test_id}</code> <span className={`pill ${r.status}`}>{r.status}</span> <span className="muted">since {when(r.created_at)}</span>
        </p>
        <button type="button" className="secondary small" onClick={results.reload} disabled={results.loading}>
          {results.loading ? "Refreshing…" : "Refresh"}
        </button>
        {r.status === "running" ? <StopTest testId={r.test_id} onStopped={results.reload} /> : null}
      </div>
      {r.models.length ? (
        <div className="arms">
          {r.models.map((arm) => (
            <ArmCard key={arm.arm} arm={arm} best={best === arm.arm} />
          ))}
        </div>
      ) : (
        <Empty title="No arms in this test" />
      )}
    </section>
  );
}

export function AbTestPanel({ models }: { models: Models }) {
  const [orgId, setOrgId] = useState("");
  const [instanceA, setInstanceA] = useState("");
  const [modelA, setModelA] = useState("");
  const [instanceB, setInstanceB] = useState("");
  const [modelB, setModelB] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [testId, setTestId] = useState<string | null>(null);
  const [openId, setOpenId] = useState("");

  const local = (v: string) => (v && !INSTANCE_ID.test(v.trim()) ? "An EC2 instance id looks like i-0123456789abcdef0." : null);
  const sameInstance = instanceA.trim() && instanceA.trim() === instanceB.trim() ? "The two arms need two instances." : null;
  const ready = orgId.trim() && INSTANCE_ID.test(instanceA.trim()) && INSTANCE_ID.test(instanceB.trim()) && modelA && modelB && !sameInstance;
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      const made = (await call(
        api.POST("/api/lab/parallel", { body: { org_id: orgId.trim(), instance_a: instanceA.trim(), model_a: modelA, instance_b: instanceB.trim(), model_b: modelB } }),
      )) as { test_id: string };
      setTestId(made.test_id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const err = (field: string) => fieldError(error, field);
  const instanceField = (arm: "a" | "b", value: string, set: (v: string) => void) => {
    const message = local(value) ?? err(`instance_${arm}`) ?? (arm === "b" ? sameInstance : null);
    return (
      <div className="field">
        <label htmlFor={`ab-instance-${arm}`}>Instance {arm.toUpperCase()}</label>
        <input id={`ab-instance-${arm}`} value={value} onChange={(e) => set(e.target.value)} placeholder="i-0123456789abcdef0" maxLength={19} aria-invalid={message ? true : undefined} aria-describedby={message ? `ab-instance-${arm}-err` : undefined} />
        {message ? <p id={`ab-instance-${arm}-err`} className="field-error">{message}</p> : null}
      </div>
    );
  };

  return (
    <div>
      <form onSubmit={submit} aria-label="Configure an A/B test">
        <div className="row-form">
          <OrgInput id="ab-org" value={orgId} onChange={setOrgId} error={err("org_id")} />
        </div>
        <div className="row-form">
          {instanceField("a", instanceA, setInstanceA)}
          <ModelSelect models={models} id="ab-model-a" label="Model A" value={modelA} onChange={setModelA} error={err("model_a")} />
        </div>
        <div className="row-form">
          {instanceField("b", instanceB, setInstanceB)}
          <ModelSelect models={models} id="ab-model-b" label="Model B" value={modelB} onChange={setModelB} error={err("model_b")} />
          <button type="submit" disabled={busy || !ready}>
            {busy ? "Configuring…" : "Start the A/B test"}
          </button>
        </div>
      </form>
      <ErrorNote error={error} />
      <form className="row-form" onSubmit={(e) => { e.preventDefault(); if (openId.trim()) setTestId(openId.trim()); }} aria-label="Open an A/B test">
        <div className="field">
          <label htmlFor="ab-open">Or open a test id</label>
          <input id="ab-open" value={openId} onChange={(e) => setOpenId(e.target.value)} maxLength={80} />
        </div>
        <button type="submit" className="secondary" disabled={!openId.trim()}>Open</button>
      </form>
      {testId ? <AbResultsView testId={testId} /> : <Empty title="No A/B test open">Configure one above: each instance is tagged with its model and scored only by it.</Empty>}
    </div>
  );
}
