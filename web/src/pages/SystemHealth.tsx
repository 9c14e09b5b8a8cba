// SystemHealth (super admin): admin-health-traffic-unique-indep-view-workers. Today the API reports only its own
// liveness (GET /api/health); worker queue depths wait for GET /api/admin/health/workers.
import { api, call } from "../api/client";
import { Empty, ErrorNote, Loading } from "../components/States";
import { useAsync } from "../lib/useAsync";

export default function SystemHealth() {
  const health = useAsync(() => call(api.GET("/api/health")), []);
  return (
    <div className="page">
      <h1>System health</h1>
      <section className="card" aria-labelledby="api">
        <h2 id="api">API</h2>
        {health.loading ? <Loading /> : health.error ? <ErrorNote error={health.error} onRetry={health.reload} /> : (
          <p>
            <span className={`light ${health.data?.status === "ok" ? "green" : "red"}`} role="img" aria-label={`API ${health.data?.status}`} /> API {String(health.data?.status)}
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="workers">
        <h2 id="workers">Workers</h2>
        <Empty title="Not available yet">Queue depth traffic lights need GET /api/admin/health/workers, which the API does not have yet.</Empty>
      </section>
    </div>
  );
}
