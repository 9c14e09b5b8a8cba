// admin-client-button-reuse-dep-click-login: every client (GET /api/admin/clients, cursor pages, name and
// status filters) and impersonation (POST /api/admin/impersonate) with the reason the client will see.
import { useState } from "react";
import { api, call, impersonating, type Schemas } from "../api/client";
import { impersonationProblem, usdMonth } from "../lib/admin";
import { useAsync } from "../lib/useAsync";
import { Empty, ErrorNote, Loading } from "./States";

type Client = Schemas["Client"];

export function ClientList() {
  const [name, setName] = useState("");
  const [status, setStatus] = useState<"" | "active" | "pending" | "failed">("");
  const [cursor, setCursor] = useState<string | null>(null);
  const [chosen, setChosen] = useState<Client | null>(null);
  const page = useAsync(
    () => call(api.GET("/api/admin/clients", { params: { query: { name: name || undefined, status: status || undefined, cursor: cursor ?? undefined, limit: 25 } } })),
    [name, status, cursor],
  );
  return (
    <div>
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter clients">
        <label>
          Name starts with <input value={name} onChange={(e) => { setName(e.target.value); setCursor(null); }} maxLength={100} />
        </label>
        <label>
          Status{" "}
          <select value={status} onChange={(e) => { setStatus(e.target.value as typeof status); setCursor(null); }}>
            <option value="">any</option>
            <option value="active">active</option>
            <option value="pending">pending</option>
            <option value="failed">failed</option>
          </select>
        </label>
      </form>
      {page.loading ? <Loading /> : page.error ? <ErrorNote error={page.error} onRetry={page.reload} /> : !page.data?.clients.length ? (
        <Empty title="No clients match" />
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Client</th><th scope="col">Status</th><th scope="col">Accounts</th><th scope="col">Agents online</th>
              <th scope="col">Spend</th><th scope="col">Realized savings</th><th scope="col"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {page.data.clients.map((c) => (
              <tr key={c.client_id}>
                <td>{c.name}<br /><code>{c.client_id}</code></td>
                <td>{c.status}</td>
                <td>{c.accounts.length}</td>
                <td>{c.agents_online} / {c.clusters.length}</td>
                <td>{usdMonth(c.monthly_spend)}</td>
                <td>{usdMonth(c.realized_monthly_savings)}</td>
                <td><button type="button" onClick={() => setChosen(c)}>Impersonate</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p>
        {cursor ? <button type="button" onClick={() => setCursor(null)}>First page</button> : null}{" "}
        {page.data?.next_cursor ? <button type="button" onClick={() => setCursor(page.data?.next_cursor ?? null)}>Next page</button> : null}
      </p>
      {chosen ? <ImpersonateForm client={chosen} onClose={() => setChosen(null)} /> : null}
    </div>
  );
}

function ImpersonateForm({ client, onClose }: { client: Client; onClose: () => void }) {
  const [reason, setReason] = useState("");
  const [minutes, setMinutes] = useState(15);
  const [error, setError] = useState<unknown>(null);
  const problem = impersonationProblem(reason, minutes);
  async function start() {
    setError(null);
    try {
      const issued = await call(api.POST("/api/admin/impersonate", { body: { client_id: client.client_id, reason, minutes } }));
      impersonating.set({
        token: issued.temp_jwt, header: issued.header ?? "X-SpotHive-Impersonation", tokenId: issued.grant.token_id,
        clientId: client.client_id, clientName: client.name, expiresAt: issued.grant.expires_at,
      });
      window.location.assign("/dashboard");
    } catch (e) {
      setError(e);
    }
  }
  return (
    <form className="card" aria-label={`Impersonate ${client.name}`} onSubmit={(e) => { e.preventDefault(); void start(); }}>
      <h3>Impersonate {client.name}</h3>
      <p>Every request you make is recorded in {client.name}'s audit log, with you as the actor and this reason.</p>
      <label>Reason <textarea value={reason} onChange={(e) => setReason(e.target.value)} maxLength={500} required /></label>
      <label>Minutes <input type="number" min={1} max={60} value={minutes} onChange={(e) => setMinutes(Number(e.target.value))} /></label>
      {problem && reason ? <p className="field-name">{problem}</p> : null}
      <ErrorNote error={error} />
      <button type="submit" disabled={problem !== null}>Start</button> <button type="button" onClick={onClose}>Cancel</button>
    </form>
  );
}
