// Dashboard: client-home-kpi-reuse-indep-view-spend (monthly spend KPI), client-home-chart-unique-indep-view-proj
// (savings projection), client-home-feed-unique-indep-view-live (activity feed); composition from the cluster list.
// The organization's SAFE_MODE switch (safety rule 1: the tenant level) sits in the header.
import { Bar, BarChart, CartesianGrid, Cell, Legend, Line, LineChart, Pie, PieChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Link } from "react-router-dom";
import { api, call } from "../api/client";
import { ClusterPicker, useClusters } from "../clusters";
import { ActivityFeed } from "../components/ActivityFeed";
import { SafeModeSwitch } from "../components/SafeModeSwitch";
import { Empty, ErrorNote, Loading } from "../components/States";
import { usd } from "../lib/format";
import { cumulativeSeries, families } from "../lib/projection";
import { useAsync } from "../lib/useAsync";

const COLORS = ["#1d4ed8", "#b45309", "#047857", "#7c3aed", "#be123c", "#0e7490", "#4d7c0f", "#a21caf"];

// client-home-chart-unique-indep-view-ns: each namespace's share of the nodes by its pods' requests.
function NamespaceCosts({ clusterId }: { clusterId: string }) {
  const costs = useAsync(
    () => call(api.GET("/api/metrics/cost-by-namespace", { params: { query: { cluster_id: clusterId } } })),
    [clusterId],
  );
  if (costs.loading) return <Loading />;
  if (costs.error) return <ErrorNote error={costs.error} onRetry={costs.reload} />;
  const c = costs.data!;
  if (c.basis === "none") {
    return <Empty title="No pods reported yet">Connect the agent: cost by namespace shares each node by its pods' requests.</Empty>;
  }
  const rows = [...c.namespaces.map((n) => ({ name: n.namespace, monthly: n.monthly })), { name: "idle", monthly: c.idle_monthly }];
  return (
    <div className="chart" role="img" aria-label={rows.map((r) => `${r.name}: ${usd(r.monthly)}`).join(", ")} data-testid="ns-costs">
      <ResponsiveContainer width="100%" height={Math.max(160, 28 * rows.length)}>
        <BarChart data={rows} layout="vertical" margin={{ left: 24 }}>
          <CartesianGrid strokeDasharray="3 3" />
          <XAxis type="number" tickFormatter={(v: number) => usd(v)} />
          <YAxis type="category" dataKey="name" width={110} />
          <Tooltip formatter={(v) => usd(Number(v ?? 0))} />
          <Bar dataKey="monthly" name="Monthly" fill="#047857" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
      <p className="muted">
        {usd(c.total_monthly)} a month in nodes; {usd(c.idle_monthly)} requested by no pod
        {c.unpriced_nodes ? `; ${c.unpriced_nodes} node(s) without a price` : ""}.
      </p>
    </div>
  );
}

function Kpis() {
  const kpi = useAsync(() => call(api.GET("/api/metrics/kpi")), []);
  if (kpi.loading) return <Loading />;
  if (kpi.error) return <ErrorNote error={kpi.error} onRetry={kpi.reload} />;
  const k = kpi.data!;
  return (
    <div className="kpis">
      <div className="kpi card" data-testid="kpi-spend">
        <span className="kpi-label">Monthly spend</span>
        <span className="kpi-value">{usd(k.monthly_spend)}</span>
        <span className="muted">{k.running_instances} running instances in {k.clusters} cluster(s)</span>
        {k.prices_estimated ? (
          <span className="muted" data-testid="prices-estimated"
                title="Some prices are not fresh: the last known price + 10 %, or the shipped catalog's">
            Prices estimated{k.prices_as_of ? ` (as of ${new Date(k.prices_as_of).toLocaleString()})` : ""}
          </span>
        ) : null}
      </div>
      <div className="kpi card">
        <span className="kpi-label">Projected after Spot moves</span>
        <span className="kpi-value">{usd(k.projected_monthly_spend)}</span>
      </div>
      <div className="kpi card good">
        <span className="kpi-label">Savings a month</span>
        <span className="kpi-value">{usd(k.monthly_savings)}</span>
      </div>
      <div className="kpi card">
        <span className="kpi-label">Spot share</span>
        <span className="kpi-value">{k.running_instances ? Math.round((100 * k.spot_instances) / k.running_instances) : 0}%</span>
        {k.unpriced_instances ? <span className="muted">{k.unpriced_instances} instance(s) without a price</span> : null}
      </div>
    </div>
  );
}

function Projection({ clusterId }: { clusterId: string }) {
  const chart = useAsync(() => call(api.GET("/api/metrics/projection", { params: { query: { cluster_id: clusterId } } })), [clusterId]);
  if (chart.loading) return <Loading />;
  if (chart.error) return <ErrorNote error={chart.error} onRetry={chart.reload} />;
  const c = chart.data!;
  const series = cumulativeSeries(c.unoptimized, c.optimized);
  const estimated = c.basis !== "planner";
  return (
    <>
      <p data-testid="projection-figures">
        <strong>{usd(c.unoptimized)}</strong> → <strong>{usd(c.optimized)}</strong> a month (saves <span data-testid="projection-savings">{usd(c.monthly_savings)}</span>){" "}
        <span className={`pill ${estimated ? "estimated" : "planner"}`} title={estimated ? "Only Spot replacements of the nodes SpotHive can see; upload a snapshot or install the agent for bin-packing" : "The consolidation planner over the cluster's pods"}>
          {estimated ? "estimated: Spot moves only" : "planner: consolidation + Spot"}
        </span>
        {c.optimality_gap !== null ? <span className="muted"> · within {(100 * c.optimality_gap).toFixed(1)}% of the lower bound</span> : null}
      </p>
      <p className="muted" data-testid="projection-decision">
        Optimized counts approved actions only: {c.approved} of {c.planned} opportunities approved, {c.blocked} blocked, {c.skipped} skipped ·{" "}
        {c.source === "preview" ? `as previewed (${c.preview_job_id ?? ""}, risk model ${c.risk_model ?? "unknown"})` : "estimate before the preview's risk check"} · policy version {c.policy_version ?? 0}
      </p>
      <div className="chart" aria-label={`Cumulative spend over 12 months: ${usd(c.unoptimized * 12)} unoptimized, ${usd(c.optimized * 12)} optimized`} role="img">
        <ResponsiveContainer width="100%" height={260}>
          <LineChart data={series} margin={{ top: 8, right: 16, bottom: 0, left: 16 }}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey="month" />
            <YAxis tickFormatter={(v: number) => `$${Math.round(v / 1000)}k`} />
            <Tooltip formatter={(v) => usd(Number(v))} />
            <Legend />
            <Line type="monotone" dataKey="unoptimized" name="Unoptimized" stroke="#be123c" strokeWidth={2} dot={false} isAnimationActive={false} />
            <Line type="monotone" dataKey="optimized" name={estimated ? "Optimized (estimated)" : "Optimized"} stroke="#047857" strokeWidth={2} strokeDasharray={estimated ? "6 4" : undefined} dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      </div>
      <details>
        <summary>{c.actions.length} action(s) behind this projection</summary>
        <ul className="actions">
          {c.actions.map((a, i) => (
            <li key={i}>
              <code>{String(a.type ?? a.action ?? "action")}</code> {String(a.node ?? a.name ?? "")} {a.target ? `→ ${String(a.target)}` : ""}{" "}
              <span className="muted">{String(a.reason ?? "")}</span>
            </li>
          ))}
        </ul>
      </details>
    </>
  );
}

export default function Dashboard() {
  const { clusters, selected, loading, error, reload } = useClusters();
  const composition = selected
    ? [
        { name: "On-Demand", value: selected.on_demand_nodes },
        { name: "Spot", value: selected.spot_nodes },
      ]
    : [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>Dashboard</h1>
        <ClusterPicker />
      </div>
      <section className="card" aria-label="SAFE_MODE of your organization">
        <SafeModeSwitch level="tenant" subject="your organization" compact />
      </section>
      <Kpis />
      {loading ? <Loading /> : error ? <ErrorNote error={error} onRetry={reload} /> : !clusters?.length ? (
        <Empty title="No clusters found yet">
          <Link to="/onboarding">Link an AWS account</Link> and SpotHive will find its EKS clusters.
        </Empty>
      ) : selected ? (
        <div className="grid-2">
          <section className="card span-2" aria-labelledby="proj">
            <h2 id="proj">Savings projection · {selected.name}</h2>
            <Projection clusterId={selected.cluster_id} />
          </section>
          <section className="card" aria-labelledby="comp">
            <h2 id="comp">Composition</h2>
            <div className="chart" role="img" aria-label={`${selected.on_demand_nodes} On-Demand and ${selected.spot_nodes} Spot nodes`}>
              <ResponsiveContainer width="100%" height={200}>
                <PieChart>
                  <Pie data={composition} dataKey="value" nameKey="name" innerRadius={45} outerRadius={75} isAnimationActive={false} label>
                    {composition.map((_, i) => (
                      <Cell key={i} fill={COLORS[i]} />
                    ))}
                  </Pie>
                  <Legend />
                </PieChart>
              </ResponsiveContainer>
            </div>
          </section>
          <section className="card" aria-labelledby="fam">
            <h2 id="fam">Instance families</h2>
            <div className="chart" role="img" aria-label={families(selected.instance_types).map((f) => `${f.family}: ${f.nodes}`).join(", ")}>
              <ResponsiveContainer width="100%" height={200}>
                <BarChart data={families(selected.instance_types)}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="family" />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Bar dataKey="nodes" name="Nodes" fill="#1d4ed8" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </section>
          <section className="card" aria-labelledby="ns">
            <h2 id="ns">Cost by namespace</h2>
            <NamespaceCosts clusterId={selected.cluster_id} />
          </section>
          <section className="card" aria-labelledby="act">
            <h2 id="act">Live activity</h2>
            <ActivityFeed />
          </section>
        </div>
      ) : null}
    </div>
  );
}
