// SystemHealth (super admin): admin-health-traffic-unique-indep-view-workers. The API's liveness
// (GET /api/health) and every worker and state machine (GET /api/admin/health/workers). The global SAFE_MODE
// switch (GET/PUT /api/admin/safe-mode: every tenant's mutating actions become logged dry runs).
import { api, call } from "../api/client";
import { SafeModeSwitch } from "../components/SafeModeSwitch";
import { Empty, ErrorNote, Loading } from "../components/States";
import { lightClass } from "../lib/admin";
import { useAsync } from "../lib/useAsync";

export default function SystemHealth() {
  const health = useAsync(() => call(api.GET("/api/health")), []);
  const workers = useAsync(() => call(api.GET("/api/admin/health/workers")), []);
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
      <section className="card" aria-labelledby="global-safe">
        <h2 id="global-safe">Global SAFE_MODE</h2>
        <SafeModeSwitch level="global" subject="every tenant" />
      </section>
      <section className="card" aria-labelledby="workers">
        <h2 id="workers">Workers</h2>
        {workers.loading ? <Loading /> : workers.error ? <ErrorNote error={workers.error} onRetry={workers.reload} /> : !workers.data ? <Empty title="No report" /> : (
          <>
            <p>
              <span className={`light ${lightClass(workers.data.status)}`} role="img" aria-label={`workers ${workers.data.status}`} /> Overall {workers.data.status};
              SAFE_MODE is <strong>{workers.data.safe_mode ? "on" : "off"}</strong>. Backlog lights: green below {workers.data.thresholds.yellow_at}, red above {workers.data.thresholds.red_above}.
            </p>
            <table>
              <thead>
                <tr>
                  <th scope="col">Component</th><th scope="col">Name</th><th scope="col">Last run</th><th scope="col">Last success</th>
                  <th scope="col">Failures (1 h)</th><th scope="col">Backlog</th><th scope="col">Light</th>
                </tr>
              </thead>
              <tbody>
                {workers.data.workers.map((w) => (
                  <tr key={w.name}>
                    <td><code>{w.component_id}</code></td>
                    <td>{w.name}</td>
                    <td>{w.last_run ?? "never"}</td>
                    <td>{w.last_success ?? "never"}</td>
                    <td>{w.failures_last_hour} of {w.runs_last_hour}</td>
                    <td>{w.backlog} {w.backlog_kind}</td>
                    <td><span className={`light ${lightClass(w.status)}`} role="img" aria-label={`${w.name} ${w.status}`} /> {w.status}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
    </div>
  );
}
