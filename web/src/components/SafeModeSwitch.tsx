// SAFE_MODE switch of one level (Safety & Fault Tolerance: the global safety flag, per tenant and per cluster):
// GET/PUT /api/safe-mode, /api/clusters/{id}/safe-mode, /api/admin/safe-mode. Shows the effective flag, each
// level, who set this level last (the newest safe_mode.set record of the audit ledger), and asks before
// turning SAFE_MODE off, since that lets mutating actions run for real.
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import { api, call } from "../api/client";
import { useAuth } from "../auth";
import { when } from "../lib/format";
import { auditResource, LEVEL_LABEL, needsConfirm, setterText, shownLevels, summarize, type SafeModeLevel, type SafeModeView } from "../lib/safeMode";
import { useAsync } from "../lib/useAsync";
import { ErrorNote, fieldError, Loading } from "./States";

interface Props {
  level: SafeModeLevel;
  clusterId?: string;
  /** What the switch applies to, as people say it ("acme-prod", "your organization", "every tenant"). */
  subject: string;
  compact?: boolean;
}

function load(level: SafeModeLevel, clusterId?: string): Promise<SafeModeView> {
  if (level === "global") return call(api.GET("/api/admin/safe-mode"));
  if (level === "cluster") return call(api.GET("/api/clusters/{cluster_id}/safe-mode", { params: { path: { cluster_id: clusterId ?? "" } } }));
  return call(api.GET("/api/safe-mode"));
}

function save(level: SafeModeLevel, on: boolean, reason: string, clusterId?: string): Promise<SafeModeView> {
  const body = { on, reason: reason.trim() || null };
  if (level === "global") return call(api.PUT("/api/admin/safe-mode", { body }));
  if (level === "cluster") return call(api.PUT("/api/clusters/{cluster_id}/safe-mode", { params: { path: { cluster_id: clusterId ?? "" } }, body }));
  return call(api.PUT("/api/safe-mode", { body }));
}

export function SafeModeSwitch({ level, clusterId, subject, compact = false }: Props) {
  const { me } = useAuth();
  const id = useId();
  const state = useAsync(() => load(level, clusterId), [level, clusterId]);
  const resource = auditResource(level, { orgId: me?.org_id, clusterId });
  const [changed, setChanged] = useState(0);
  const setter = useAsync(
    () =>
      resource
        ? call(api.GET("/api/audit", { params: { query: { action: "safe_mode.set", ...resource, limit: 1 } } })).then((b) => b.logs[0] ?? null)
        : Promise.resolve(null),
    [resource?.resource_type, resource?.resource_id, changed],
  );
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  if (state.loading && !state.data) return <Loading label="Reading SAFE_MODE…" />;
  if (state.error && !state.data) return <ErrorNote error={state.error} onRetry={state.reload} />;
  const view = state.data!;
  const s = summarize(view, level);

  const apply = async (next: boolean) => {
    setBusy(true);
    setError(null);
    try {
      state.setData(await save(level, next, reason, clusterId));
      setConfirming(false);
      setReason("");
      setChanged((n) => n + 1);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const toggle = () => {
    const next = !s.own;
    if (needsConfirm(s.own, next)) setConfirming(true);
    else void apply(next);
  };
  const submitOff = (e: FormEvent) => {
    e.preventDefault();
    void apply(false);
  };
  const who = setter.data ? setterText(setter.data, when, me) : null;
  const reasonError = fieldError(error, "reason");

  return (
    <div className={`safe-mode${compact ? " compact" : ""}`} data-testid={`safe-mode-${level}`}>
      <div className="safe-mode-row">
        <button
          type="button"
          role="switch"
          aria-checked={s.own}
          aria-describedby={`${id}-effective`}
          className={`switch-button ${s.own ? "on" : "off"}`}
          onClick={toggle}
          disabled={busy || confirming}
        >
          <span className="switch-track" aria-hidden="true">
            <span className="switch-thumb" />
          </span>
          SAFE_MODE for {subject}
        </button>
        <span id={`${id}-effective`} className={`pill ${s.effective ? "safe-on" : "safe-off"}`} data-testid="safe-mode-effective">
          {s.effective ? "Effective: on — actions are dry runs" : "Effective: off — approved actions run"}
        </span>
      </div>
      {!compact || s.heldBy.length ? (
        <ul className="safe-levels" aria-label="SAFE_MODE levels">
          {shownLevels(level).map((l) => (
            <li key={l}>
              {LEVEL_LABEL[l]}: <strong>{view.levels[l] === true ? "on" : "off"}</strong>
              {view.levels[l] === null || view.levels[l] === undefined ? <span className="muted"> (never set)</span> : null}
              {l === level && who ? <span className="muted" data-testid="safe-mode-setter"> · {who}</span> : null}
            </li>
          ))}
        </ul>
      ) : who ? (
        <p className="muted small-text" data-testid="safe-mode-setter">{who}</p>
      ) : null}
      {s.heldBy.length && !s.own ? (
        <p className="muted small-text">Held on by the {s.heldBy.map((l) => LEVEL_LABEL[l].toLowerCase()).join(" and ")} level.</p>
      ) : null}
      {view.reasons.length && !compact ? <p className="muted small-text">Why: {view.reasons.join("; ")}</p> : null}
      {!s.own && !confirming && !compact ? (
        <div className="field safe-reason">
          <label htmlFor={`${id}-reason-on`}>Reason (optional, kept in the audit log)</label>
          <input id={`${id}-reason-on`} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} aria-invalid={reasonError ? true : undefined} />
        </div>
      ) : null}
      {confirming ? (
        <form className="confirm" role="alertdialog" aria-labelledby={`${id}-confirm`} onSubmit={submitOff} onKeyDown={(e) => e.key === "Escape" && setConfirming(false)}>
          <p id={`${id}-confirm`}>
            <strong>Turn SAFE_MODE off for {subject}?</strong>{" "}
            {s.heldBy.length
              ? `It stays on through the ${s.heldBy.map((l) => LEVEL_LABEL[l].toLowerCase()).join(" and ")} level.`
              : "Approved optimizations will then change real instances."}
          </p>
          <div className="field">
            <label htmlFor={`${id}-reason-off`}>Reason (optional, kept in the audit log)</label>
            <input id={`${id}-reason-off`} value={reason} maxLength={500} onChange={(e) => setReason(e.target.value)} aria-invalid={reasonError ? true : undefined} />
          </div>
          <div className="buttons">
            <button type="submit" className="danger" ref={confirmRef} disabled={busy}>
              {busy ? "Turning off…" : "Turn SAFE_MODE off"}
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)} disabled={busy}>
              Keep it on
            </button>
          </div>
        </form>
      ) : null}
      {reasonError ? <p className="field-error">{reasonError}</p> : null}
      <ErrorNote error={error} />
    </div>
  );
}
