// ClusterRegistry: client-cluster-logic-unique-indep-run-verify (agent heartbeat lights, green < 60 s),
// client-cluster-button-reuse-dep-click-connect (Helm command with a copy button),
// client-cluster-button-reuse-dep-click-opt (Optimize Now: a dry-run preview with every approved and
// blocked action and its reason, then approve → a real run, with the job's progress).
// client-cluster-button-unique-indep-click-add: clusters are added by discovery of the linked accounts.
// Each cluster's SAFE_MODE switch (safety rule 1: the cluster level, with the global and tenant levels shown).
import { Fragment, useEffect, useState } from "react";
import { Link } from "react-router-dom";
import { api, call, type Schemas } from "../api/client";
import { useClusters } from "../clusters";
import { CopyButton } from "../components/CopyButton";
import { SafeModeSwitch } from "../components/SafeModeSwitch";
import { Empty, ErrorNote, Loading } from "../components/States";
import { pollWithBackoff } from "../lib/backoff";
import { heartbeatLight, usd, when } from "../lib/format";

type Cluster = Schemas["ClusterResponse"];
type Job = Schemas["JobResponse"];
const DONE = new Set(["succeeded", "failed", "aborted", "timed_out", "compensated"]);

function Heartbeat({ agent }: { agent: Cluster["agent"] }) {
  // The light comes with the cluster list (the hub reads each agent's heartbeat); the list reloads every 30 s.
  if (!agent || agent.status === "unknown") {
    return <span className="light grey" title="could not check the agent" aria-label="agent status unknown" />;
  }
  const light = heartbeatLight(agent.seconds_since);
  const text = agent.last_seen ? `agent ${agent.status}, last seen ${Math.round(agent.seconds_since ?? 0)} s ago` : "no agent yet";
  return (
    <span className="heartbeat">
      <span className={`light ${light}`} role="img" aria-label={text} title={text} /> {agent.last_seen ? `${Math.round(agent.seconds_since ?? 0)} s` : "no agent"}
    </span>
  );
}

function ConnectPanel({ cluster }: { cluster: Cluster }) {
  const [helm, setHelm] = useState<Schemas["HelmCommand"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const connect = async () => {
    setBusy(true);
    setError(null);
    try {
      setHelm(await call(api.POST("/api/clusters/connect", { body: { cluster_id: cluster.cluster_id } })));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <button type="button" className="secondary" onClick={connect} disabled={busy}>
        {busy ? "Issuing a token…" : helm ? "Issue a new agent token" : "Connect agent"}
      </button>
      <ErrorNote error={error} />
      {helm ? (
        <div className="helm">
          <p className="muted">Run this where your kubeconfig points at {cluster.name}. The token is shown once.</p>
          <pre data-testid="helm-command">{helm.helm_command}</pre>
          <CopyButton text={helm.helm_command} label="Helm command" />
        </div>
      ) : null}
    </div>
  );
}

function JobView({ job }: { job: Job }) {
  const d = job.decisions as {
    approved?: number;
    blocked?: number;
    approved_actions?: { type: string; target: string; reason: string }[];
    blocked_actions?: { type: string; target: string; reason: string }[];
    execution?: unknown;
  };
  return (
    <div className="job" aria-live="polite">
      <p>
        Job <code>{job.job_id}</code> {job.dry_run ? "(preview, dry run)" : "(approved run)"}: <span className={`pill ${job.status}`}>{job.status}</span>{" "}
        <span className="muted">updated {when(job.updated_at)}</span>
      </p>
      {job.error ? <p className="field-error">{job.error}</p> : null}
      <h4>{d.approved ?? 0} action(s) SpotHive would take</h4>
      {d.approved_actions?.length ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {d.approved_actions.map((a, i) => (
              <tr key={i}>
                <td>{a.type}</td>
                <td>
                  <code>{a.target}</code>
                </td>
                <td>{a.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{DONE.has(job.status) ? "No action is worth taking now." : "Deciding…"}</p>
      )}
      {d.blocked_actions?.length ? (
        <>
          <h4>{d.blocked} blocked (stability over savings)</h4>
          <ul>
            {d.blocked_actions.map((a, i) => (
              <li key={i}>
                <code>{a.type}</code> <code>{a.target}</code>: {a.reason}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <ExecutionNote execution={d.execution} dryRun={job.dry_run} />
      <Progress progress={job.progress} />
      {job.audit_seqs.length ? (
        <p className="muted">
          Audited as record(s) {job.audit_seqs.join(", ")} — <Link to="/audit">open the audit log</Link>
        </p>
      ) : null}
    </div>
  );
}

// How an approved run was carried out: a recorded dry run under SAFE_MODE, or handed to the agent.
function ExecutionNote({ execution, dryRun }: { execution: unknown; dryRun: boolean }) {
  if (dryRun || !execution || typeof execution !== "object") return null;
  const e = execution as { mode?: string; safe_mode?: string; enqueued?: number };
  if (e.mode === "dry_run") {
    return (
      <p className="warning" data-testid="execution-mode">
        SAFE_MODE is on ({e.safe_mode ?? "SAFE_MODE"}): every approved action was recorded as a dry run; nothing changed.
      </p>
    );
  }
  if (e.mode === "agent") {
    return <p data-testid="execution-mode">Handed to the cluster's agent{typeof e.enqueued === "number" ? `: ${e.enqueued} action(s)` : ""}.</p>;
  }
  return null;
}

// The executor's progress: each wave's stage, then one activity line per move and the realized saving.
function Progress({ progress }: { progress: Job["progress"] }) {
  const p = progress as {
    waves?: Record<string, { stage?: string }>;
    moves?: { line: string }[];
    realized_per_hour?: number;
  };
  const waves = Object.entries(p.waves ?? {});
  if (!waves.length && !p.moves?.length) return null;
  return (
    <section aria-label="Execution progress">
      <h4>Execution</h4>
      {waves.length ? (
        <ol className="waves">
          {waves.map(([index, w]) => (
            <li key={index}>
              Wave {Number(index) + 1}: <span className="pill">{w.stage ?? "queued"}</span>
            </li>
          ))}
        </ol>
      ) : null}
      {p.moves?.length ? (
        <ul data-testid="activity-lines">
          {p.moves.map((m, i) => (
            <li key={i}>{m.line}</li>
          ))}
        </ul>
      ) : null}
      {p.realized_per_hour ? <p className="good">Realized: {usd(p.realized_per_hour * 730)} a month</p> : null}
    </section>
  );
}

function OptimizePanel({ cluster }: { cluster: Cluster }) {
  const [job, setJob] = useState<Job | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // a preview first; approving carries out exactly that preview (409 if the cluster changed since)
  const run = async (approve: Job | null) => {
    setBusy(true);
    setError(null);
    try {
      const path = { cluster_id: cluster.cluster_id };
      const started = approve
        ? await call(api.POST("/api/clusters/{cluster_id}/jobs/{job_id}/approve", { params: { path: { ...path, job_id: approve.job_id } } }))
        : await call(api.POST("/api/clusters/{cluster_id}/optimize", { params: { path }, body: { dry_run: true } }));
      await pollWithBackoff(
        async () => {
          const current = await call(api.GET("/api/clusters/{cluster_id}/jobs/{job_id}", { params: { path: { cluster_id: cluster.cluster_id, job_id: started.job_id } } }));
          setJob(current);
          return { done: DONE.has(current.status), value: current };
        },
        { baseMs: 400, maxMs: 4000, maxAttempts: approve ? 400 : 40 },
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const previewDone = job && job.dry_run && DONE.has(job.status);
  return (
    <div>
      <div className="buttons">
        <button type="button" onClick={() => void run(null)} disabled={busy}>
          {busy && (!job || job.dry_run) ? "Previewing…" : "Optimize now"}
        </button>
        {previewDone ? (
          <button type="button" className="danger" onClick={() => void run(job)} disabled={busy}>
            Approve this preview
          </button>
        ) : null}
      </div>
      <ErrorNote error={error} />
      {job ? <JobView job={job} /> : null}
    </div>
  );
}

export default function ClusterRegistry() {
  const { clusters, loading, error, reload } = useClusters();
  useEffect(() => {
    const timer = setInterval(reload, 30000);
    return () => clearInterval(timer);
  }, [reload]);
  const [open, setOpen] = useState<string | null>(null);
  // a background refresh keeps the table (and an open panel) on screen
  if (loading && !clusters) return <Loading />;
  if (error && !clusters) return <ErrorNote error={error} onRetry={reload} />;
  return (
    <div className="page">
      <div className="page-head">
        <h1>Clusters</h1>
        <button type="button" className="secondary" onClick={reload}>
          Refresh
        </button>
      </div>
      {!clusters?.length ? (
        <Empty title="No clusters yet">
          Discovery finds the EKS clusters of every <Link to="/onboarding">linked account</Link> every five minutes.
        </Empty>
      ) : (
        <table className="clusters">
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Cluster</th>
              <th scope="col">Region</th>
              <th scope="col">Kubernetes</th>
              <th scope="col">Nodes</th>
              <th scope="col">On-Demand / Spot</th>
              <th scope="col">Last seen</th>
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {clusters.map((c) => (
              <Fragment key={c.cluster_id}>
                <tr>
                  <td>
                    <Heartbeat agent={c.agent} />
                  </td>
                  <td>
                    <strong>{c.name}</strong>
                    <div className="muted">{c.status}</div>
                  </td>
                  <td>{c.region}</td>
                  <td>{c.version}</td>
                  <td>{c.nodes}</td>
                  <td>
                    {c.on_demand_nodes} / {c.spot_nodes}
                  </td>
                  <td>{when(c.last_seen)}</td>
                  <td>
                    <button type="button" className="secondary small" aria-expanded={open === c.cluster_id} onClick={() => setOpen(open === c.cluster_id ? null : c.cluster_id)}>
                      {open === c.cluster_id ? "Close" : "Manage"}
                    </button>
                  </td>
                </tr>
                {open === c.cluster_id ? (
                  <tr className="panel-row">
                    <td colSpan={8}>
                      <div className="grid-2">
                        <section className="span-2" aria-label={`SAFE_MODE of ${c.name}`}>
                          <h3>SAFE_MODE</h3>
                          {/* above Optimize: seen before anything is approved */}
                          <SafeModeSwitch level="cluster" clusterId={c.cluster_id} subject={c.name} />
                        </section>
                        <section aria-label="Connect the agent">
                          <h3>Agent</h3>
                          <ConnectPanel cluster={c} />
                        </section>
                        <section aria-label="Optimize">
                          <h3>Optimize</h3>
                          <OptimizePanel cluster={c} />
                        </section>
                      </div>
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
