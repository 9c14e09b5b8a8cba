// AuditLogs: client-audit-table-unique-indep-view-ledger (filters, paging), client-audit-drawer-unique-dep-view-diff
// (before/after field changes), client-audit-button-reuse-dep-click-export (export with its SHA-256), and the
// chain verification of GET /api/audit/verify.
import { useEffect, useRef, useState, type FormEvent } from "react";
import { api, call, type Schemas } from "../api/client";
import { DiffView } from "../components/DiffView";
import { Empty, ErrorNote, fieldError, Loading } from "../components/States";
import { when } from "../lib/format";
import { useAsync } from "../lib/useAsync";

interface Filters {
  action: string;
  actor: string;
  resource_type: string;
  from: string;
  to: string;
}
const NONE: Filters = { action: "", actor: "", resource_type: "", from: "", to: "" };
const PAGE = 25;

const toIso = (local: string): string | undefined => (local ? new Date(local).toISOString() : undefined);

function DiffDrawer({ id, onClose }: { id: number; onClose: () => void }) {
  const diff = useAsync(() => call(api.GET("/api/audit/{id}/diff", { params: { path: { id } } })), [id]);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    ref.current?.focus();
    const onKey = (e: KeyboardEvent) => e.key === "Escape" && onClose();
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="drawer-backdrop" onClick={onClose}>
      <div className="drawer" role="dialog" aria-modal="true" aria-labelledby="diff-title" tabIndex={-1} ref={ref} onClick={(e) => e.stopPropagation()}>
        <div className="page-head">
          <h2 id="diff-title">Record {id}{diff.data ? ` · ${diff.data.action}` : ""}</h2>
          <button type="button" className="secondary small" onClick={onClose}>
            Close
          </button>
        </div>
        {diff.loading ? <Loading /> : diff.error ? <ErrorNote error={diff.error} onRetry={diff.reload} /> : <DiffView changes={diff.data!.changes} />}
      </div>
    </div>
  );
}

function ExportPanel() {
  const [format, setFormat] = useState<"jsonl" | "csv">("jsonl");
  const [result, setResult] = useState<Schemas["ExportResponse"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      setResult(await call(api.GET("/api/audit/export", { params: { query: { format } } })));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="export">
      <h2 id="export">Export</h2>
      <div className="row-form">
        <label className="inline">
          Format{" "}
          <select value={format} onChange={(e) => setFormat(e.target.value as "jsonl" | "csv")}>
            <option value="jsonl">JSON Lines</option>
            <option value="csv">CSV</option>
          </select>
        </label>
        <button type="button" onClick={run} disabled={busy}>
          {busy ? "Exporting…" : "Export"}
        </button>
      </div>
      <ErrorNote error={error} />
      {result ? (
        <dl className="kv">
          <dt>{(result.checksum_algorithm ?? "sha256").toUpperCase()}</dt>
          <dd>
            <code data-testid="export-checksum" className="wrap">{result.checksum}</code>
          </dd>
          <dt>Records</dt>
          <dd>
            {result.records} ({result.bytes} bytes, {result.format})
          </dd>
          <dt>File</dt>
          <dd>
            {result.file_url.startsWith("file://") ? <code data-testid="export-url" className="wrap">{result.file_url}</code> : <a data-testid="export-url" href={result.file_url}>Download</a>}
            {result.expires_in ? <span className="muted"> (link valid {Math.round(result.expires_in / 60)} min)</span> : null}
          </dd>
        </dl>
      ) : null}
    </section>
  );
}

function ChainStatus() {
  const verify = useAsync(() => call(api.GET("/api/audit/verify")), []);
  if (verify.loading) return <Loading label="Verifying the chain…" />;
  if (verify.error) return <ErrorNote error={verify.error} onRetry={verify.reload} />;
  const v = verify.data!;
  return (
    <div className={`state ${v.ok ? "ok-box" : "error"}`} role="status" data-testid="chain-status">
      {v.ok ? `✔ Chain intact: ${v.records} records, every hash checks.` : `✖ Chain broken in ${v.breaks.length} place(s) over ${v.records} records.`}
      {v.breaks.map((b) => (
        <div key={`${b.seq}-${b.kind}`}>
          seq {b.seq}: {b.kind} — {b.detail}
        </div>
      ))}
      <button type="button" className="link" onClick={verify.reload}>
        Verify again
      </button>
    </div>
  );
}

export default function AuditLogs() {
  const [draft, setDraft] = useState<Filters>(NONE);
  const [filters, setFilters] = useState<Filters>(NONE);
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [open, setOpen] = useState<number | null>(null);
  const cursor = cursors[cursors.length - 1];
  const page = useAsync(
    () =>
      call(
        api.GET("/api/audit", {
          params: {
            query: {
              limit: PAGE,
              cursor: cursor ?? undefined,
              action: filters.action || undefined,
              actor: filters.actor || undefined,
              resource_type: filters.resource_type || undefined,
              from: toIso(filters.from),
              to: toIso(filters.to),
            },
          },
        }),
      ),
    [filters, cursor],
  );
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
    setCursors([null]);
  };
  const bad = (field: string) => fieldError(page.error, field);
  return (
    <div className="page">
      <h1>Audit log</h1>
      <ChainStatus />
      <form className="card filters" onSubmit={apply} aria-label="Filter the audit log">
        {(["action", "actor", "resource_type"] as const).map((f) => (
          <div className="field" key={f}>
            <label htmlFor={`f-${f}`}>{f.replace("_", " ")}</label>
            <input id={`f-${f}`} value={draft[f]} onChange={(e) => setDraft({ ...draft, [f]: e.target.value })} placeholder={f === "action" ? "policy.binpack.update" : ""} aria-invalid={bad(f) ? true : undefined} />
          </div>
        ))}
        {(["from", "to"] as const).map((f) => (
          <div className="field" key={f}>
            <label htmlFor={`f-${f}`}>{f}</label>
            <input id={`f-${f}`} type="datetime-local" value={draft[f]} onChange={(e) => setDraft({ ...draft, [f]: e.target.value })} aria-invalid={bad(f) ? true : undefined} />
          </div>
        ))}
        <div className="buttons">
          <button type="submit">Apply</button>
          <button type="button" className="secondary" onClick={() => { setDraft(NONE); setFilters(NONE); setCursors([null]); }}>
            Clear
          </button>
        </div>
      </form>
      {page.loading ? <Loading /> : page.error ? <ErrorNote error={page.error} onRetry={page.reload} /> : !page.data!.logs.length ? (
        <Empty title="No records match" />
      ) : (
        <>
          <table className="audit">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Actor</th>
                <th scope="col">Action</th>
                <th scope="col">Resource</th>
                <th scope="col">Reason</th>
                <th scope="col">
                  <span className="sr-only">Diff</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {page.data!.logs.map((r) => (
                <tr key={r.id}>
                  <td>{r.seq}</td>
                  <td>
                    <time dateTime={r.timestamp}>{when(r.timestamp)}</time>
                  </td>
                  <td>
                    {r.actor} <span className="muted">({r.actor_type})</span>
                  </td>
                  <td>
                    <code>{r.action}</code>
                  </td>
                  <td>
                    {r.resource_type} <code className="muted">{r.resource_id}</code>
                  </td>
                  <td>{r.reason ?? ""}</td>
                  <td>
                    <button type="button" className="secondary small" onClick={() => setOpen(r.id)} aria-label={`Show changes of record ${r.seq} (${r.action})`}>
                      Changes
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <nav className="pager" aria-label="Pages">
            <button type="button" className="secondary" disabled={cursors.length < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
              ← Newer
            </button>
            <span>Page {cursors.length}</span>
            <button type="button" className="secondary" disabled={!page.data!.next_cursor} onClick={() => setCursors([...cursors, page.data!.next_cursor!])}>
              Older →
            </button>
          </nav>
        </>
      )}
      <ExportPanel />
      {open !== null ? <DiffDrawer id={open} onClose={() => setOpen(null)} /> : null}
    </div>
  );
}
