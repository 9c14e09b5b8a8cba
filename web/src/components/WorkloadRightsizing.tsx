// The cluster's workloads right-sized from the agent's usage history (MOD-SIZE-01,
// GET /api/clusters/{id}/rightsizing): per-pod requests now and recommended (p90 CPU and peak memory plus the
// margin), the confidence, and what the cluster costs once re-packed with the confident recommendations.
import { useEffect, useState } from "react";
import { api, call } from "../api/client";
import type { components } from "../api/schema";
import { usd } from "../lib/format";
import { confidenceText, requestsText } from "../lib/rightsizing";
import { Empty, ErrorNote, Loading } from "./States";

type Page = components["schemas"]["ClusterRightsizing"];
type Workload = components["schemas"]["WorkloadLine"];
const PAGE = 50;

export function WorkloadRightsizing({ clusterId, name }: { clusterId: string; name: string }) {
  const [page, setPage] = useState<Page | null>(null);
  const [rows, setRows] = useState<Workload[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(true);
  const load = async (cursor: string | null) => {
    setBusy(true);
    setError(null);
    try {
      const query = cursor ? { limit: PAGE, cursor } : { limit: PAGE };
      const found = await call(api.GET("/api/clusters/{cluster_id}/rightsizing", { params: { path: { cluster_id: clusterId }, query } }));
      setPage(found);
      setRows((before) => (cursor ? [...before, ...found.workloads] : found.workloads));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    setRows([]);
    setPage(null);
    void load(null);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [clusterId]);
  if (error && !page) return <ErrorNote error={error} onRetry={() => void load(null)} />;
  if (!page) return <Loading />;
  if (!rows.length) {
    return (
      <Empty title={`No workload usage for ${name} yet`}>
        The agent reports every pod's CPU and memory each minute; recommendations appear once a workload has been observed, and are trusted after a day.
      </Empty>
    );
  }
  const repacked = page.repacked;
  return (
    <>
      {repacked ? (
        <p data-testid="workloads-repacked">
          Re-packed with the confident recommendations the cluster costs <strong>{usd(repacked.optimized)}</strong> a month instead of {usd(repacked.without)}:{" "}
          <strong className={repacked.saving > 0 ? "good" : undefined}>{usd(repacked.saving)}</strong> a month more than consolidation alone.
        </p>
      ) : (
        <p className="muted" data-testid="workloads-repacked">No snapshot of the cluster's pods yet, so the saving once re-packed is not known.</p>
      )}
      <table aria-label={`Workload right-sizing of ${name}`}>
        <thead>
          <tr>
            <th scope="col">Workload</th>
            <th scope="col">Pods</th>
            <th scope="col">Requests now</th>
            <th scope="col">Recommended</th>
            <th scope="col">Confidence</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((w) => (
            <tr key={`${w.namespace}/${w.owner}`}>
              <td><code>{w.namespace}/{w.owner}</code></td>
              <td>{w.pods}</td>
              <td>{requestsText(w.current)}</td>
              <td>{requestsText(w.recommended)}</td>
              <td><span className={`pill ${w.confident ? "planner" : "estimated"}`}>{confidenceText(w)}</span><div className="muted">{w.samples} samples · {w.history_hours} h</div></td>
              <td>{w.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {error ? <ErrorNote error={error} /> : null}
      {page.next_cursor ? (
        <button type="button" disabled={busy} onClick={() => void load(page.next_cursor ?? null)}>
          {busy ? "Loading…" : `Show more (${rows.length} of ${page.total})`}
        </button>
      ) : null}
    </>
  );
}
