// ClientSetup: client-set-button-reuse-dep-click-link (link an AWS account: External ID, quick-create link),
// client-onboard-button-reuse-dep-click-verify (verify the role), client-onboard-bar-reuse-indep-view-scan
// (scan progress: polling GET /api/connect/accounts with backoff until the discovery stream exists).
import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { api, call, type Schemas } from "../api/client";
import { useAuth } from "../auth";
import { useClusters } from "../clusters";
import { CopyButton } from "../components/CopyButton";
import { Empty, ErrorNote, fieldError, Loading } from "../components/States";
import { pollWithBackoff } from "../lib/backoff";
import { when } from "../lib/format";
import { useAsync } from "../lib/useAsync";

type Link_ = Schemas["LinkResponse"];
type Account = Schemas["AccountResponse"];

const STEP: Record<string, number> = { pending: 1, scanning: 2, active: 3, failed: 3 };

export function ScanProgress({ account }: { account: Account }) {
  const step = STEP[account.status] ?? 0;
  const label = { pending: "Waiting for the role", scanning: "Scanning EC2 and EKS…", active: "Scan complete", failed: "Scan failed" }[account.status] ?? account.status;
  return (
    <div className="scan">
      <div className="progress" role="progressbar" aria-label={`Scan of ${account.aws_account_id ?? account.account_id}`} aria-valuemin={0} aria-valuemax={3} aria-valuenow={step} aria-valuetext={label}>
        <div className={`progress-fill ${account.status}`} style={{ width: `${(step / 3) * 100}%` }} />
      </div>
      <p className={account.status === "failed" ? "field-error" : "muted"}>
        {label}
        {account.message ? ` — ${account.message}` : ""}
        {account.last_scan_at ? ` (last scan ${when(account.last_scan_at)})` : ""}
      </p>
    </div>
  );
}

export default function ClientSetup() {
  const { refreshMe } = useAuth();
  const clusters = useClusters();
  const accounts = useAsync(() => call(api.GET("/api/connect/accounts")), []);
  const [link, setLink] = useState<Link_ | null>(null);
  const [roleArn, setRoleArn] = useState("");
  const [busy, setBusy] = useState<"link" | "verify" | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [scanning, setScanning] = useState<Account | null>(null);

  const createLink = async () => {
    setBusy("link");
    setError(null);
    try {
      setLink(await call(api.POST("/api/connect/link")));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  const verify = async (e: FormEvent) => {
    e.preventDefault();
    if (!link) return;
    setBusy("verify");
    setError(null);
    try {
      const account = await call(api.POST("/api/connect/verify", { body: { account_id: link.account_id, role_arn: roleArn.trim() } }));
      setScanning(account);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(null);
    }
  };

  useEffect(() => {
    if (!scanning || scanning.status === "active" || scanning.status === "failed") return;
    const abort = new AbortController();
    void pollWithBackoff(
      async () => {
        const list = await call(api.GET("/api/connect/accounts"));
        const mine = list.find((a) => a.account_id === scanning.account_id) ?? scanning;
        if (!abort.signal.aborted) setScanning(mine);
        return { done: mine.status === "active" || mine.status === "failed", value: mine };
      },
      { signal: abort.signal, baseMs: 500, maxMs: 5000 },
    )
      .then(() => {
        accounts.reload();
        clusters.reload();
        void refreshMe();
      })
      .catch((err: unknown) => {
        if (!abort.signal.aborted) setError(err);
      });
    return () => abort.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scanning?.account_id, scanning?.status === "active" || scanning?.status === "failed"]);

  const linked = (accounts.data ?? []).filter((a) => a.aws_account_id);

  return (
    <div className="page">
      <h1>Connect AWS</h1>
      <p className="muted">SpotHive reads your account through a cross-account role that only you can create, bound to an External ID.</p>

      <section className="card" aria-labelledby="step1">
        <h2 id="step1">1. Create the role</h2>
        {!link ? (
          <button type="button" onClick={createLink} disabled={busy === "link"}>
            {busy === "link" ? "Preparing…" : "Link an AWS account"}
          </button>
        ) : (
          <dl className="kv">
            <dt>External ID</dt>
            <dd>
              <code data-testid="external-id">{link.external_id}</code> <CopyButton text={link.external_id} label="External ID" />
            </dd>
            <dt>Role name</dt>
            <dd>
              <code>{link.role_name}</code>
            </dd>
            <dt>Quick-create</dt>
            <dd>
              <a href={link.cloudformation_url} target="_blank" rel="noreferrer">
                Open the CloudFormation quick-create link
              </a>{" "}
              <CopyButton text={link.cloudformation_url} label="quick-create link" />
            </dd>
            <dt>Template</dt>
            <dd>
              <a href={link.template_url} target="_blank" rel="noreferrer">
                {link.template_url}
              </a>{" "}
              <CopyButton text={link.template_url} label="template URL" />
            </dd>
          </dl>
        )}
      </section>

      <section className="card" aria-labelledby="step2">
        <h2 id="step2">2. Verify the role</h2>
        <form onSubmit={verify} className="row-form">
          <div className="field grow">
            <label htmlFor="role_arn">Role ARN (the stack's output)</label>
            <input id="role_arn" value={roleArn} onChange={(e) => setRoleArn(e.target.value)} placeholder="arn:aws:iam::123456789012:role/SpotHiveAccess" disabled={!link} aria-invalid={fieldError(error, "role_arn") ? true : undefined} />
            {fieldError(error, "role_arn") ? <p className="field-error">{fieldError(error, "role_arn")}</p> : null}
          </div>
          <button type="submit" disabled={!link || !roleArn.trim() || busy === "verify"}>
            {busy === "verify" ? "Verifying…" : "Verify"}
          </button>
        </form>
        <ErrorNote error={error} />
      </section>

      <section className="card" aria-labelledby="step3">
        <h2 id="step3">3. Scan</h2>
        {scanning ? <ScanProgress account={scanning} /> : <p className="muted">The first scan starts when the role is verified.</p>}
        {scanning?.status === "active" ? (
          <p>
            Found {clusters.clusters?.length ?? 0} cluster(s). <Link to="/dashboard">See your spend and savings →</Link>
          </p>
        ) : null}
      </section>

      <section className="card" aria-labelledby="accounts">
        <h2 id="accounts">Linked accounts</h2>
        {accounts.loading ? <Loading /> : accounts.error ? <ErrorNote error={accounts.error} onRetry={accounts.reload} /> : linked.length ? (
          <table>
            <thead>
              <tr>
                <th scope="col">AWS account</th>
                <th scope="col">Status</th>
                <th scope="col">Last scan</th>
              </tr>
            </thead>
            <tbody>
              {linked.map((a) => (
                <tr key={a.account_id}>
                  <td>{a.aws_account_id}</td>
                  <td>
                    <span className={`pill ${a.status}`}>{a.status}</span>
                  </td>
                  <td>{when(a.last_scan_at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : (
          <Empty title="No account linked yet">Link one above; nothing in your account changes until you approve an action.</Empty>
        )}
      </section>
    </div>
  );
}
