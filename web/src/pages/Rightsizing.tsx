// Rightsizing (MOD-SIZE-01, GET /api/instances/{id}/rightsizing): what an EC2 instance could run as, from
// 14 days of its CloudWatch CPU, with the monthly saving and the confidence. The selected cluster's nodes
// a cheaper type fits come with its projection (GET /api/metrics/projection, `rightsizing`); any instance
// of the organization — a stand-alone one too — can be looked up by its id. The cluster's Workloads tab
// lists its workloads right-sized from the agent's usage history (GET /api/clusters/{id}/rightsizing).
import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { api, call } from "../api/client";
import { ClusterPicker, useClusters } from "../clusters";
import { Empty, ErrorNote, fieldError, Loading } from "../components/States";
import { WorkloadRightsizing } from "../components/WorkloadRightsizing";
import { usd } from "../lib/format";
import { confidenceText, instanceIdProblem, ranked, type Recommendation } from "../lib/rightsizing";
import { useAsync } from "../lib/useAsync";

function RecommendationRows({ rows, caption }: { rows: Recommendation[]; caption: string }) {
  return (
    <table aria-label={caption}>
      <thead>
        <tr>
          <th scope="col">Instance</th>
          <th scope="col">Now</th>
          <th scope="col">Run as</th>
          <th scope="col">p95 CPU</th>
          <th scope="col">Saving a month</th>
          <th scope="col">Confidence</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.instance_id}>
            <td><code>{r.instance_id}</code></td>
            <td>{r.current}{r.hourly_before !== null ? <div className="muted">{usd(r.hourly_before)}/h</div> : null}</td>
            <td>{r.target ?? <span className="muted">keep {r.current}</span>}{r.target && r.hourly_after !== null ? <div className="muted">{usd(r.hourly_after)}/h</div> : null}</td>
            <td>{r.p95_cpu_percent === null ? "—" : `${r.p95_cpu_percent.toFixed(1)}%`}</td>
            <td className={r.monthly_saving > 0 ? "good" : undefined}>{usd(r.monthly_saving)}</td>
            <td><span className={`pill ${r.confident ? "planner" : "estimated"}`}>{confidenceText(r)}</span></td>
            <td>{r.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ClusterNodes({ clusterId, name }: { clusterId: string; name: string }) {
  const projection = useAsync(() => call(api.GET("/api/metrics/projection", { params: { query: { cluster_id: clusterId } } })), [clusterId]);
  if (projection.loading) return <Loading />;
  if (projection.error) return <ErrorNote error={projection.error} onRetry={projection.reload} />;
  const { rows, total } = ranked(projection.data?.rightsizing ?? []);
  if (!rows.length) {
    return (
      <Empty title={`No right-sizing for ${name} now`}>
        Nodes are sized from 14 days of CloudWatch CPU, read after each scan for clusters without an agent; none of them fits a cheaper type yet.
      </Empty>
    );
  }
  return (
    <>
      <p data-testid="rightsizing-total">
        {rows.length} node(s) fit a cheaper type: <strong>{usd(total)}</strong> a month.
      </p>
      <RecommendationRows rows={rows} caption={`Right-sizing of ${name}`} />
    </>
  );
}

function Lookup() {
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const [result, setResult] = useState<Recommendation | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const bad = instanceIdProblem(value);
    setProblem(bad);
    setError(null);
    if (bad) return;
    setBusy(true);
    try {
      setResult(await call(api.GET("/api/instances/{instance_id}/rightsizing", { params: { path: { instance_id: value.trim() } } })));
    } catch (err) {
      setResult(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const message = problem ?? fieldError(error, "instance_id");
  return (
    <>
      <form className="row-form" onSubmit={submit} aria-label="Look up an instance">
        <div className="field grow">
          <label htmlFor="instance-id">Instance id</label>
          <input id="instance-id" value={value} onChange={(e) => setValue(e.target.value)} placeholder="i-0123456789abcdef0" maxLength={32} aria-invalid={message ? true : undefined} aria-describedby={message ? "instance-id-err" : undefined} />
          {message ? <p id="instance-id-err" className="field-error">{message}</p> : null}
        </div>
        <button type="submit" disabled={busy}>{busy ? "Looking up…" : "Recommend"}</button>
      </form>
      {error && !fieldError(error, "instance_id") ? <ErrorNote error={error} /> : null}
      {result ? (
        <div data-testid="rightsizing-result">
          {result.target ? (
            <p>
              Run <code>{result.instance_id}</code> as <strong>{result.target}</strong> instead of {result.current}: saves <strong>{usd(result.monthly_saving)}</strong> a month ({confidenceText(result)}).
            </p>
          ) : (
            <p>
              Keep <code>{result.instance_id}</code> on {result.current} ({confidenceText(result)}).
            </p>
          )}
          <RecommendationRows rows={[result]} caption={`Right-sizing of ${result.instance_id}`} />
        </div>
      ) : null}
    </>
  );
}

type ClusterTab = "nodes" | "workloads";
const TABS: { id: ClusterTab; label: string }[] = [
  { id: "nodes", label: "Nodes" },
  { id: "workloads", label: "Workloads" },
];

function ClusterTabs({ clusterId, name }: { clusterId: string; name: string }) {
  const [tab, setTab] = useState<ClusterTab>("nodes");
  return (
    <>
      <div role="tablist" aria-label={`Right-sizing of ${name}`} className="tabs">
        {TABS.map((t) => (
          <button key={t.id} type="button" role="tab" id={`tab-${t.id}`} aria-controls={`panel-${t.id}`} aria-selected={tab === t.id} className={tab === t.id ? "tab active" : "tab"} onClick={() => setTab(t.id)}>
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "nodes" ? <ClusterNodes clusterId={clusterId} name={name} /> : <WorkloadRightsizing clusterId={clusterId} name={name} />}
      </div>
    </>
  );
}

export default function Rightsizing() {
  const { clusters, selected, loading, error, reload } = useClusters();
  return (
    <div className="page">
      <div className="page-head">
        <h1>Right-sizing</h1>
        <ClusterPicker />
      </div>
      <section className="card" aria-labelledby="lookup">
        <h2 id="lookup">Any EC2 instance</h2>
        <p className="muted">Stand-alone instances and nodes alike: the same family smaller, or a cheaper family of the same architecture.</p>
        <Lookup />
      </section>
      <section className="card" aria-labelledby="nodes">
        <h2 id="nodes">Cluster nodes{selected ? ` · ${selected.name}` : ""}</h2>
        {loading ? <Loading /> : error ? <ErrorNote error={error} onRetry={reload} /> : !clusters?.length || !selected ? (
          <Empty title="No clusters found yet"><Link to="/onboarding">Link an AWS account</Link> and SpotHive will find its instances.</Empty>
        ) : (
          <ClusterTabs clusterId={selected.cluster_id} name={selected.name} />
        )}
      </section>
    </div>
  );
}
