// ClientSetup: client-set-button-reuse-dep-click-link (link an AWS account: External ID, quick-create link),
// client-onboard-button-reuse-dep-click-verify (verify the role), client-onboard-bar-reuse-indep-view-scan
// (scan progress from the discovery stream, WebSocket /api/connect/stream: regions scanned and finds as they
// happen; when the socket fails or falls silent, polling GET /api/connect/accounts with backoff takes over).
import { useEffect, useRef, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { api, call, type Schemas } from "../api/client";
import { useAuth } from "../auth";
import { useClusters } from "../clusters";
import { CopyButton } from "../components/CopyButton";
import { Empty, ErrorNote, fieldError, Loading } from "../components/States";
import { pollWithBackoff } from "../lib/backoff";
import { when } from "../lib/format";
import { applyScanMessage, initialScan, scanFraction, scanLabel, type ScanState } from "../lib/scan";
import { openStream } from "../lib/stream";
import { useAsync } from "../lib/useAsync";

type Link_ = Schemas["LinkResponse"];
type Account = Schemas["AccountResponse"];

const STEP: Record<string, number> = { pending: 1, scanning: 2, active: 3, failed: 3 };
const TERMINAL = new Set(["active", "failed"]);
/** A socket that says nothing for this long is treated as failed: polling takes over. */
export const STREAM_SILENCE_MS = 20000;

export function ScanProgress({ account, live, transport }: { account: Account; live?: ScanState | null; transport?: "stream" | "polling" }) {
  const ended = TERMINAL.has(account.status);
  const useLive = !!live && !ended && live.phase !== "waiting";
  const fraction = useLive ? scanFraction(live) : (STEP[account.status] ?? 0) / 3;
  const label = useLive
    ? scanLabel(live)
    : ({ pending: "Waiting for the role", scanning: "Scanning EC2 and EKS…", active: "Scan complete", failed: "Scan failed" }[account.status] ?? account.status);
  const percent = Math.round(fraction * 100);
  return (
    <div className="scan">
      <div className="progress" role="progressbar" aria-label={`Scan of ${account.aws_account_id ?? account.account_id}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={label}>
        <div className={`progress-fill ${account.status}`} style={{ width: `${percent}%` }} />
      </div>
      <p className={account.status === "failed" ? "field-error" : "muted"} aria-live="polite">
        {label}
        {account.message ? ` — ${account.message}` : ""}
        {account.last_scan_at ? ` (last scan ${when(account.last_scan_at)})` : ""}
      </p>
      {live && live.phase !== "waiting" ? (
        <p className="muted" data-testid="scan-finds">
          {live.clustersFound} cluster(s) and {live.instancesFound} instance(s) found so far
        </p>
      ) : null}
      {transport ? (
        <p className="badge" data-testid="scan-transport">
          {transport === "stream" ? "followed live over the discovery stream" : "followed by polling (the stream was unavailable)"}
        </p>
      ) : null}
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

  const [live, setLive] = useState<ScanState | null>(null);
  const [transport, setTransport] = useState<"stream" | "polling" | undefined>(undefined);
  const finishing = useRef(false);
  const scanId = scanning?.account_id;
  const scanEnded = !!scanning && TERMINAL.has(scanning.status);

  useEffect(() => {
    if (!scanning || scanEnded) return;
    const accountId = scanning.account_id;
    const abort = new AbortController();
    let silence: ReturnType<typeof setTimeout> | undefined;
    let stream: { close: () => void } | null = null;
    finishing.current = false;
    setLive(initialScan);

    const settle = (mine: Account) => {
      if (abort.signal.aborted) return;
      setScanning(mine);
      if (TERMINAL.has(mine.status)) {
        accounts.reload();
        clusters.reload();
        void refreshMe();
      }
    };
    const mineOf = async () => (await call(api.GET("/api/connect/accounts"))).find((a) => a.account_id === accountId) ?? scanning;
    const poll = () => {
      if (abort.signal.aborted) return;
      stream?.close();
      clearTimeout(silence);
      setTransport("polling");
      void pollWithBackoff(
        async () => {
          const mine = await mineOf();
          if (!abort.signal.aborted) setScanning(mine);
          return { done: TERMINAL.has(mine.status), value: mine };
        },
        { signal: abort.signal, baseMs: 500, maxMs: 5000 },
      )
        .then(settle)
        .catch((err: unknown) => {
          if (!abort.signal.aborted) setError(err);
        });
    };
    const watch = () => {
      clearTimeout(silence);
      silence = setTimeout(poll, STREAM_SILENCE_MS);
    };
    setTransport("stream");
    stream = openStream("/api/connect/stream", { account_id: accountId }, {
      onMessage(message) {
        watch();
        setLive((state) => applyScanMessage(state ?? initialScan, message, accountId));
        if ((message.type === "scan.finished" || message.type === "scan.failed") && message.data.account_id === accountId && !finishing.current) {
          // the record is saved before the message is sent; an older scan's end replayed from the stream
          // finds the account still scanning, and the stream goes on
          finishing.current = true;
          mineOf().then(
            (mine) => {
              finishing.current = false;
              if (TERMINAL.has(mine.status)) {
                stream?.close();
                clearTimeout(silence);
                settle(mine);
              }
            },
            () => {
              finishing.current = false;
              poll();
            },
          );
        }
      },
      onClose() {
        // a refusal (4401…), a dropped connection or the server closing before the scan ended: poll instead
        poll();
      },
    });
    watch();
    return () => {
      abort.abort();
      clearTimeout(silence);
      stream?.close();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [scanId, scanEnded]);

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
        {scanning ? <ScanProgress account={scanning} live={live} transport={transport} /> : <p className="muted">The first scan starts when the role is verified.</p>}
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
