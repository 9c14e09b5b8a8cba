import { lazy, Suspense, useEffect, type ReactNode } from "react";
import { Navigate, NavLink, Route, Routes, useLocation } from "react-router-dom";
import { useAuth } from "./auth";
import { ClustersProvider } from "./clusters";
import { Loading } from "./components/States";
import { AuthGateway } from "./pages/AuthGateway";
import { LoginPage } from "./pages/LoginPage";
import { ImpersonationBanner } from "./components/ImpersonationBanner";

// Screens load on demand, so the first load carries only the shell, sign-in and the gateway.
const ClientSetup = lazy(() => import("./pages/ClientSetup"));
const Dashboard = lazy(() => import("./pages/Dashboard"));
const ClusterRegistry = lazy(() => import("./pages/ClusterRegistry"));
const NodeTemplates = lazy(() => import("./pages/NodeTemplates"));
const TemplateWizard = lazy(() => import("./pages/TemplateWizard"));
const OptimizationPolicies = lazy(() => import("./pages/OptimizationPolicies"));
const Hibernation = lazy(() => import("./pages/Hibernation"));
const AuditLogs = lazy(() => import("./pages/AuditLogs"));
const AdminDashboard = lazy(() => import("./pages/AdminDashboard"));
const SystemHealth = lazy(() => import("./pages/SystemHealth"));
const TheLab = lazy(() => import("./pages/TheLab"));
const Rightsizing = lazy(() => import("./pages/Rightsizing"));
const Settings = lazy(() => import("./pages/Settings"));

function RequireAuth({ children }: { children: ReactNode }) {
  const { token } = useAuth();
  const location = useLocation();
  if (!token) return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  return <>{children}</>;
}

const NAV: { to: string; label: string; admin?: boolean }[] = [
  { to: "/dashboard", label: "Dashboard" },
  { to: "/clusters", label: "Clusters" },
  { to: "/templates", label: "Node templates" },
  { to: "/policies", label: "Policies" },
  { to: "/hibernation", label: "Hibernation" },
  { to: "/rightsizing", label: "Right-sizing" },
  { to: "/audit", label: "Audit log" },
  { to: "/onboarding", label: "AWS accounts" },
  { to: "/settings", label: "Settings" },
  { to: "/admin", label: "Admin", admin: true },
  { to: "/admin/health", label: "System health", admin: true },
  { to: "/admin/lab", label: "The Lab", admin: true },
];

function Shell({ children }: { children: ReactNode }) {
  const { me, signOut, refreshMe } = useAuth();
  useEffect(() => {
    if (!me) refreshMe().catch(() => undefined);
  }, [me, refreshMe]);
  const admin = me?.role === "super_admin";
  const { search } = useLocation();
  const cluster = new URLSearchParams(search).get("cluster");
  const keep = cluster ? `?cluster=${encodeURIComponent(cluster)}` : "";
  return (
    <div className="shell">
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand" aria-label="SpotHive">
          <img src="/favicon.svg" alt="" width={22} height={22} /> SpotHive
        </span>
        <span className="who">
          {me ? `${me.email} · ${me.org_name}` : ""}
          <button type="button" className="secondary small" onClick={() => void signOut()}>
            Sign out
          </button>
        </span>
      </header>
      <nav className="sidebar" aria-label="Main">
        <ul>
          {NAV.filter((n) => !n.admin || admin).map((n) => (
            <li key={n.to}>
              <NavLink to={`${n.to}${keep}`} end={n.to === "/admin"}>
                {n.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        <ImpersonationBanner />
        <Suspense fallback={<Loading />}>{children}</Suspense>
      </main>
    </div>
  );
}

function Private({ children }: { children: ReactNode }) {
  return (
    <RequireAuth>
      <ClustersProvider>
        <Shell>{children}</Shell>
      </ClustersProvider>
    </RequireAuth>
  );
}

export function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route path="/" element={<RequireAuth><AuthGateway /></RequireAuth>} />
      <Route path="/onboarding" element={<Private><ClientSetup /></Private>} />
      <Route path="/dashboard" element={<Private><Dashboard /></Private>} />
      <Route path="/clusters" element={<Private><ClusterRegistry /></Private>} />
      <Route path="/templates" element={<Private><NodeTemplates /></Private>} />
      <Route path="/templates/new" element={<Private><TemplateWizard /></Private>} />
      <Route path="/templates/:templateId" element={<Private><TemplateWizard /></Private>} />
      <Route path="/policies" element={<Private><OptimizationPolicies /></Private>} />
      <Route path="/hibernation" element={<Private><Hibernation /></Private>} />
      <Route path="/audit" element={<Private><AuditLogs /></Private>} />
      <Route path="/rightsizing" element={<Private><Rightsizing /></Private>} />
      <Route path="/settings" element={<Private><Settings /></Private>} />
      <Route path="/admin" element={<Private><AdminDashboard /></Private>} />
      <Route path="/admin/health" element={<Private><SystemHealth /></Private>} />
      <Route path="/admin/lab" element={<Private><TheLab /></Private>} />
      <Route path="*" element={<Navigate to="/" replace />} />
    </Routes>
  );
}
