// The Lab's shared inputs: the client org (typed, or picked from GET /api/admin/clients) and a registry model.
import { api, call } from "../api/client";
import { useAsync } from "../lib/useAsync";
import type { useModels } from "./ModelTable";

export type Models = ReturnType<typeof useModels>;

export function OrgInput({ id, value, onChange, error }: { id: string; value: string; onChange: (v: string) => void; error?: string | null }) {
  const clients = useAsync(() => call(api.GET("/api/admin/clients", { params: { query: { limit: 100 } } })).then((b) => b.clients), []);
  return (
    <div className="field">
      <label htmlFor={id}>Client org id</label>
      <input id={id} list={`${id}-list`} value={value} onChange={(e) => onChange(e.target.value)} maxLength={64} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-err` : undefined} />
      <datalist id={`${id}-list`}>
        {(clients.data ?? []).map((c) => (
          <option key={c.client_id} value={c.client_id}>
            {c.name}
          </option>
        ))}
      </datalist>
      {error ? <p id={`${id}-err`} className="field-error">{error}</p> : null}
    </div>
  );
}

export function ModelSelect({ models, id, label, value, onChange, optional = false, error }: { models: Models; id: string; label: string; value: string; onChange: (v: string) => void; optional?: boolean; error?: string | null }) {
  const rows = (models.data ?? []).filter((m) => m.model_id);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-err` : undefined}>
        <option value="">{optional ? "none" : models.loading ? "loading models…" : rows.length ? "choose a model" : "no model uploaded"}</option>
        {rows.map((m) => (
          <option key={String(m.model_id)} value={String(m.model_id)}>
            {String(m.model_id)} ({String(m.status ?? "?")})
          </option>
        ))}
      </select>
      {error ? <p id={`${id}-err`} className="field-error">{error}</p> : null}
    </div>
  );
}
