// any-auth-gateway-unique-indep-run-route: GET /api/auth/me decides where a signed-in user lands
// (pending → /onboarding, active → /dashboard).
import { useEffect } from "react";
import { useNavigate } from "react-router-dom";
import { useAuth } from "../auth";
import { ErrorNote, Loading } from "../components/States";
import { useAsync } from "../lib/useAsync";

const KNOWN = new Set(["/onboarding", "/dashboard", "/admin"]);

export function AuthGateway() {
  const { refreshMe } = useAuth();
  const navigate = useNavigate();
  const me = useAsync(refreshMe, []);
  useEffect(() => {
    if (me.data) navigate(KNOWN.has(me.data.redirect_path) ? me.data.redirect_path : "/dashboard", { replace: true });
  }, [me.data, navigate]);
  if (me.error) return <main className="centered"><ErrorNote error={me.error} onRetry={me.reload} /></main>;
  return <main className="centered"><Loading label="Finding your way in…" /></main>;
}
