// NodeTemplates: client-tmpl-list-unique-indep-view-grid (list with the default flag),
// client-tmpl-toggle-reuse-dep-click-default (the star), client-tmpl-button-reuse-dep-click-delete (soft delete,
// refused with the clusters named while a policy binds the template).
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, call } from "../api/client";
import { Empty, ErrorNote, Loading } from "../components/States";
import { useAsync } from "../lib/useAsync";

export default function NodeTemplates() {
  const list = useAsync(() => call(api.GET("/api/templates")), []);
  const [error, setError] = useState<unknown>(null);
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      list.reload();
    } catch (err) {
      setError(err);
    }
  };
  const templates = list.data?.templates ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>Node templates</h1>
        <Link className="button" to="/templates/new">
          New template
        </Link>
      </div>
      <ErrorNote error={error} />
      {list.loading ? <Loading /> : list.error ? <ErrorNote error={list.error} onRetry={list.reload} /> : !templates.length ? (
        <Empty title="No templates yet">A template says which instance families, architectures and capacity types a cluster may use.</Empty>
      ) : (
        <div className="cards">
          {templates.map((t) => (
            <article key={t.template_id} className="card template" aria-label={`Template ${t.name}`}>
              <header>
                <button
                  type="button"
                  className={`star ${t.is_default ? "on" : ""}`}
                  aria-pressed={t.is_default}
                  aria-label={t.is_default ? `${t.name} is the default` : `Make ${t.name} the default`}
                  onClick={() => !t.is_default && void act(() => call(api.PATCH("/api/templates/{template_id}/default", { params: { path: { template_id: t.template_id } } })))}
                >
                  {t.is_default ? "★" : "☆"}
                </button>
                <h2>
                  <Link to={`/templates/${t.template_id}`}>{t.name}</Link>
                </h2>
              </header>
              <dl className="kv">
                <dt>Families</dt>
                <dd>{t.families.join(", ")}</dd>
                <dt>Architectures</dt>
                <dd>{t.architectures.join(", ")}</dd>
                <dt>Capacity</dt>
                <dd>{t.capacity_types.join(", ")}</dd>
                <dt>Strategy</dt>
                <dd>{t.strategy}{t.gpu ? " · GPU" : ""}</dd>
                <dt>Limits</dt>
                <dd>
                  {t.max_nodes ? `${t.max_nodes} nodes max` : "no node limit"} · disruption budget {t.disruption_budget_percent}%
                </dd>
              </dl>
              <button
                type="button"
                className="danger small"
                onClick={() => {
                  if (window.confirm(`Delete template ${t.name}?`)) void act(() => call(api.DELETE("/api/templates/{template_id}", { params: { path: { template_id: t.template_id } } })));
                }}
              >
                Delete
              </button>
            </article>
          ))}
        </div>
      )}
    </div>
  );
}
