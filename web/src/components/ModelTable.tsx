import { api, call } from "../api/client";
import { useAsync } from "../lib/useAsync";
import { Empty, ErrorNote, Loading } from "./States";

export type ModelRow = Record<string, unknown> & { model_id?: string; status?: string; version?: string };

/** The model registry (GET /api/admin/models), newest first; `actions` renders per-row buttons. */
export function useModels() {
  return useAsync(() => call(api.GET("/api/admin/models", { params: { query: {} } })).then((b) => ((b as { models?: ModelRow[] }).models ?? []) as ModelRow[]), []);
}

export function ModelTable({ models, actions }: { models: ReturnType<typeof useModels>; actions?: (m: ModelRow) => React.ReactNode }) {
  if (models.loading) return <Loading />;
  if (models.error) return <ErrorNote error={models.error} onRetry={models.reload} />;
  const rows = models.data ?? [];
  if (!rows.length) return <Empty title="No models uploaded yet" />;
  const columns = ["model_id", "version", "status", "created_at", "metrics"];
  return (
    <table>
      <thead>
        <tr>
          {columns.map((c) => (
            <th scope="col" key={c}>
              {c.replace("_", " ")}
            </th>
          ))}
          {actions ? (
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          ) : null}
        </tr>
      </thead>
      <tbody>
        {rows.map((m, i) => (
          <tr key={String(m.model_id ?? i)}>
            {columns.map((c) => (
              <td key={c}>{typeof m[c] === "object" && m[c] !== null ? <code>{JSON.stringify(m[c])}</code> : String(m[c] ?? "—")}</td>
            ))}
            {actions ? <td>{actions(m)}</td> : null}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
