// While a super admin impersonates a client: who, until when, and the way out (DELETE revokes the token).
import { useEffect, useState } from "react";
import { api, impersonating } from "../api/client";
import { minutesLeft } from "../lib/admin";

export function ImpersonationBanner() {
  const [current, setCurrent] = useState(impersonating.current);
  const [, setTick] = useState(0);
  useEffect(() => impersonating.subscribe(() => setCurrent(impersonating.current)), []);
  useEffect(() => {
    const timer = window.setInterval(() => setTick((t) => t + 1), 30000);
    return () => window.clearInterval(timer);
  }, []);
  if (!current) return null;
  const left = minutesLeft(current.expiresAt);
  async function stop() {
    const tokenId = current?.tokenId ?? "";
    impersonating.set(null);
    await api.DELETE("/api/admin/impersonate/{token_id}", { params: { path: { token_id: tokenId } } });
    window.location.assign("/admin");
  }
  if (left === 0) {
    impersonating.set(null);
    return null;
  }
  return (
    <div className="state error" role="status" aria-live="polite">
      Impersonating <strong>{current.clientName}</strong> ({left} min left); every request is in their audit log.{" "}
      <button type="button" onClick={() => void stop()}>Stop impersonating</button>
    </div>
  );
}
