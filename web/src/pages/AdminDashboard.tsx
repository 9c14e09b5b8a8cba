// AdminDashboard (super admin): every client with impersonation (admin-client-button-reuse-dep-click-login)
// and the model registry.
import { ClientList } from "../components/ClientList";
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
        <ClientList />
      </section>
      <section className="card" aria-labelledby="models">
        <h2 id="models">Risk models</h2>
        <ModelTable models={models} />
      </section>
    </div>
  );
}
