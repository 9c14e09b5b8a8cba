// OptimizationPolicies: client-pol-toggle-reuse-dep-click-karpenter (toggle + strategy),
// client-pol-slider-reuse-dep-drag-binpack (20–80 %), client-pol-check-reuse-dep-click-fallback,
// client-pol-list-reuse-dep-type-exclude (namespace chips), automation mode and disruption budget. Every save names the version it was based on;
// a stale edit comes back 409 (field expected_version) and is shown as a conflict with a reload.
import { useEffect, useState } from "react";
import { ApiError, api, call, type Schemas } from "../api/client";
import { ClusterPicker, useClusters } from "../clusters";
import { ChipsInput } from "../components/ChipsInput";
import { Empty, ErrorNote, Loading } from "../components/States";
import { when } from "../lib/format";
import { useAsync } from "../lib/useAsync";

type Policy = Schemas["PolicyResponse"];
type Strategy = "cost" | "balanced" | "stability";
type Mode = "off" | "recommend" | "auto";

export function isConflict(error: unknown): boolean {
  return error instanceof ApiError && error.status === 409 && error.field === "expected_version";
}

function PolicyEditor({ clusterId }: { clusterId: string }) {
  const policy = useAsync(() => call(api.GET("/api/policies/{cluster_id}", { params: { path: { cluster_id: clusterId } } })), [clusterId]);
  const [draft, setDraft] = useState<{
    karpenter: boolean; strategy: Strategy; binpack: number; fallback: boolean; namespaces: string[];
    mode: Mode; maxNodes: number; maxPercent: number; paybackDays: number; minSaving: number;
  } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const p = policy.data;
    if (!p) return;
    setDraft({
      karpenter: Boolean(p.karpenter.enabled),
      strategy: (p.karpenter.strategy as Strategy) ?? "balanced",
      binpack: Number(p.binpack.aggressiveness ?? 50),
      fallback: Boolean(p.fallback.enabled),
      namespaces: (p.exclusions.namespaces as string[]) ?? ["kube-system"],
      mode: ((p.automation?.mode as Mode) ?? "recommend"),
      maxNodes: Number((p.automation?.disruption_budget as { max_nodes?: number } | undefined)?.max_nodes ?? 3),
      maxPercent: Number((p.automation?.disruption_budget as { max_percent?: number } | undefined)?.max_percent ?? 20),
      paybackDays: Number((p.automation?.threshold as { payback_days?: number } | undefined)?.payback_days ?? 7),
      minSaving: Number((p.automation?.threshold as { min_monthly_saving_usd?: number } | undefined)?.min_monthly_saving_usd ?? 5),
    });
  }, [policy.data]);

  if (policy.loading && !policy.data) return <Loading />;
  if (policy.error && !policy.data) return <ErrorNote error={policy.error} onRetry={policy.reload} />;
  const p = policy.data!;
  if (!draft) return <Loading />;

  const save = async (section: string, work: (version: number) => Promise<Policy>) => {
    setBusy(true);
    setError(null);
    setSaved(null);
    try {
      const next = await work(p.version);
      policy.setData(next);
      setSaved(`${section} saved (version ${next.version})`);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const base = { cluster_id: clusterId, expected_version: p.version };

  return (
    <div className="policy">
      <p className="muted" data-testid="policy-version">
        Version {p.version}
        {p.updated_at ? ` · changed ${when(p.updated_at)} by ${p.updated_by ?? "?"}` : " · defaults"}
      </p>
      {isConflict(error) ? (
        <div className="state conflict" role="alert">
          <strong>Someone else changed this policy</strong> since you opened it (you edited version {p.version}). Your change was not saved.{" "}
          <button type="button" onClick={() => { setError(null); policy.reload(); }}>
            Reload the latest version
          </button>
        </div>
      ) : (
        <ErrorNote error={error} />
      )}
      {saved ? (
        <p className="ok" role="status">
          {saved}
        </p>
      ) : null}

      <section className="card" aria-labelledby="karp">
        <h2 id="karp">Karpenter</h2>
        <label className="switch">
          <input type="checkbox" role="switch" checked={draft.karpenter} onChange={(e) => setDraft({ ...draft, karpenter: e.target.checked })} aria-describedby="karp-help" /> Let SpotHive manage Karpenter
        </label>
        <p id="karp-help" className="muted">
          Off: SpotHive only recommends. On: it writes NodePools from the cluster's template.
        </p>
        <label className="inline">
          Strategy{" "}
          <select value={draft.strategy} onChange={(e) => setDraft({ ...draft, strategy: e.target.value as Strategy })}>
            <option value="cost">cost</option>
            <option value="balanced">balanced</option>
            <option value="stability">stability</option>
          </select>
        </label>
        <button type="button" disabled={busy} onClick={() => void save("Karpenter", (v) => call(api.PATCH("/api/policies/karpenter", { body: { ...base, expected_version: v, enabled: draft.karpenter, strategy: draft.strategy } })))}>
          Save Karpenter
        </button>
      </section>

      <section className="card" aria-labelledby="bp">
        <h2 id="bp">Bin-packing</h2>
        <label htmlFor="binpack">
          Aggressiveness: <strong>{draft.binpack}%</strong> target utilization
        </label>
        <input id="binpack" type="range" min={20} max={80} step={5} value={draft.binpack} aria-valuetext={`${draft.binpack} percent`} onChange={(e) => setDraft({ ...draft, binpack: Number(e.target.value) })} />
        <div className="range-labels" aria-hidden="true">
          <span>20% conservative</span>
          <span>80% aggressive</span>
        </div>
        <button type="button" disabled={busy} onClick={() => void save("Bin-packing", (v) => call(api.PATCH("/api/policies/binpack", { body: { ...base, expected_version: v, aggressiveness: draft.binpack } })))}>
          Save bin-packing
        </button>
      </section>

      <section className="card" aria-labelledby="fb">
        <h2 id="fb">Spot fallback</h2>
        <label className="check">
          <input type="checkbox" checked={draft.fallback} onChange={(e) => setDraft({ ...draft, fallback: e.target.checked })} /> Fall back to On-Demand when Spot capacity is unavailable
        </label>
        <button type="button" disabled={busy} onClick={() => void save("Fallback", (v) => call(api.PATCH("/api/policies/fallback", { body: { ...base, expected_version: v, enabled: draft.fallback } })))}>
          Save fallback
        </button>
      </section>

      <section className="card" aria-labelledby="auto">
        <h2 id="auto">Automation and disruption budget</h2>
        <label>
          Mode{" "}
          <select value={draft.mode} onChange={(e) => setDraft({ ...draft, mode: e.target.value as Mode })}>
            <option value="off">off: never plan</option>
            <option value="recommend">recommend: previews only</option>
            <option value="auto">auto: carry out within the budget</option>
          </select>
        </label>
        <label>
          At most{" "}
          <input type="number" min={1} max={100} value={draft.maxNodes} aria-label="nodes disrupted at once"
            onChange={(e) => setDraft({ ...draft, maxNodes: Number(e.target.value) })} /> nodes and{" "}
          <input type="number" min={1} max={100} value={draft.maxPercent} aria-label="percent of nodes disrupted at once"
            onChange={(e) => setDraft({ ...draft, maxPercent: Number(e.target.value) })} /> % of the cluster at once
        </label>
        <label>
          Automated actions must pay back within{" "}
          <input type="number" min={1} max={90} value={draft.paybackDays} aria-label="payback days"
            onChange={(e) => setDraft({ ...draft, paybackDays: Number(e.target.value) })} /> days and save at least ${" "}
          <input type="number" min={0} step={0.5} value={draft.minSaving} aria-label="minimum monthly saving"
            onChange={(e) => setDraft({ ...draft, minSaving: Number(e.target.value) })} /> a month
        </label>
        <button type="button" disabled={busy} onClick={() => void save("Automation", (v) => call(api.PATCH("/api/policies/automation", { body: { ...base, expected_version: v, mode: draft.mode, max_nodes: draft.maxNodes, max_percent: draft.maxPercent, payback_days: draft.paybackDays, min_monthly_saving_usd: draft.minSaving } })))}>
          Save automation
        </button>
      </section>

      <section className="card" aria-labelledby="ex">
        <h2 id="ex">Namespace exclusions</h2>
        <ChipsInput label="Never touch pods in" values={draft.namespaces} locked={["kube-system"]} onChange={(namespaces) => setDraft({ ...draft, namespaces })} />
        <button type="button" disabled={busy} onClick={() => void save("Exclusions", (v) => call(api.PATCH("/api/policies/exclusions", { body: { ...base, expected_version: v, namespaces: draft.namespaces } })))}>
          Save exclusions
        </button>
      </section>
    </div>
  );
}

export default function OptimizationPolicies() {
  const { selected, loading, error, reload } = useClusters();
  return (
    <div className="page narrow">
      <div className="page-head">
        <h1>Optimization policies{selected ? ` · ${selected.name}` : ""}</h1>
        <ClusterPicker />
      </div>
      {loading ? <Loading /> : error ? <ErrorNote error={error} onRetry={reload} /> : selected ? <PolicyEditor key={selected.cluster_id} clusterId={selected.cluster_id} /> : <Empty title="No cluster to configure yet" />}
    </div>
  );
}
