// AdminDashboard (super admin): the model registry today. admin-client-button-reuse-dep-click-login
// (impersonation) waits for POST /api/admin/impersonate, which the API does not have yet.
import { ModelTable, useModels } from "../components/ModelTable";
import { Empty } from "../components/States";
import { useAuth } from "../auth";

export default function AdminDashboard() {
  const { me } = useAuth();
  const models = useModels();
  if (me && me.role !== "super_admin") return <Empty title="Platform owners only">Sign in as a super admin to see this page.</Empty>;
  return (
    <div className="page">
      <h1>Admin</h1>
      <section className="card" aria-labelledby="clients">
        <h2 id="clients">Clients</h2>
        <Empty title="Not available yet">The API has no client list or impersonation endpoint yet.</Empty>
      </section>
      <section className="card" aria-labelledby="models">
        <h2 id="models">Risk models</h2>
        <ModelTable models={models} />
      </section>
    </div>
  );
}
