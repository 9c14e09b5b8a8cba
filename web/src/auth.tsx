// Who is signed in: the ID token from POST /api/auth/token (or signup), the caller from GET /api/auth/me.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";
import { api, call, session, type Schemas } from "./api/client";

type Me = Schemas["UserContext"];

interface AuthValue {
  token: string | null;
  me: Me | null;
  signIn: (email: string, password: string) => Promise<void>;
  signUp: (orgName: string, email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  refreshMe: () => Promise<Me>;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [token, setToken] = useState<string | null>(session.token);
  const [me, setMe] = useState<Me | null>(null);

  useEffect(() => {
    session.onUnauthorized(() => {
      setToken(null);
      setMe(null);
    });
  }, []);

  const adopt = (value: string) => {
    session.set(value);
    setToken(value);
  };

  const refreshMe = useCallback(async () => {
    const value = await call(api.GET("/api/auth/me"));
    setMe(value);
    return value;
  }, []);

  const value = useMemo<AuthValue>(
    () => ({
      token,
      me,
      refreshMe,
      // any-auth-form-reuse-dep-submit-signin
      async signIn(email, password) {
        const body = await call(api.POST("/api/auth/token", { body: { email, password } }));
        adopt(body.jwt_token);
      },
      // any-auth-form-reuse-dep-submit-signup
      async signUp(orgName, email, password) {
        const body = await call(api.POST("/api/auth/signup", { body: { org_name: orgName, email, password } }));
        adopt(body.token);
      },
      // any-auth-button-reuse-dep-click-logout
      async signOut() {
        try {
          await api.POST("/api/auth/logout");
        } finally {
          session.set(null);
          setToken(null);
          setMe(null);
        }
      },
    }),
    [token, me, refreshMe],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error("useAuth outside AuthProvider");
  return value;
}
