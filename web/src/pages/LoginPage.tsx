// LoginPage: any-auth-form-reuse-dep-submit-signup, any-auth-form-reuse-dep-submit-signin
// (sign-out, any-auth-button-reuse-dep-click-logout, is in the shell's top bar).
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { useAuth } from "../auth";
import { ErrorNote, fieldError } from "../components/States";

type Mode = "signin" | "signup";

export function LoginPage() {
  const { signIn, signUp } = useAuth();
  const navigate = useNavigate();
  const [mode, setMode] = useState<Mode>("signin");
  const [orgName, setOrgName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (mode === "signup") await signUp(orgName, email, password);
      else await signIn(email, password);
      navigate("/", { replace: true });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const fieldNote = (field: string) => {
    const message = fieldError(error, field);
    return message ? (
      <p className="field-error" id={`${field}-err`} role="alert">
        {message}
      </p>
    ) : null;
  };

  return (
    <main className="login" id="main">
      <section className="card login-card" aria-labelledby="login-title">
        <h1 id="login-title">
          <img src="/favicon.svg" alt="" width={28} height={28} /> SpotHive
        </h1>
        <p className="muted">Cost optimization for EKS and EC2: read-only first, savings in minutes.</p>
        <div className="tabs" role="tablist" aria-label="Sign in or sign up">
          {(["signin", "signup"] as const).map((m) => (
            <button
              key={m}
              type="button"
              role="tab"
              aria-selected={mode === m}
              className={mode === m ? "tab active" : "tab"}
              onClick={() => {
                setMode(m);
                setError(null);
              }}
            >
              {m === "signin" ? "Sign in" : "Sign up"}
            </button>
          ))}
        </div>
        <form onSubmit={submit} noValidate aria-label={mode === "signin" ? "Sign in" : "Sign up"}>
          {mode === "signup" ? (
            <div className="field">
              <label htmlFor="org_name">Organization</label>
              <input id="org_name" name="org_name" value={orgName} onChange={(e) => setOrgName(e.target.value)} required autoComplete="organization" aria-invalid={fieldError(error, "org_name") ? true : undefined} />
              {fieldNote("org_name")}
            </div>
          ) : null}
          <div className="field">
            <label htmlFor="email">Email</label>
            <input id="email" name="email" type="email" value={email} onChange={(e) => setEmail(e.target.value)} required autoComplete="email" aria-invalid={fieldError(error, "email") ? true : undefined} />
            {fieldNote("email")}
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input id="password" name="password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} required autoComplete={mode === "signup" ? "new-password" : "current-password"} aria-invalid={fieldError(error, "password") ? true : undefined} />
            {fieldNote("password")}
          </div>
          <ErrorNote error={error} />
          <button type="submit" disabled={busy}>
            {busy ? "Please wait…" : mode === "signin" ? "Sign in" : "Create account"}
          </button>
        </form>
      </section>
    </main>
  );
}
