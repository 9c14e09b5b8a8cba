import type { ReactNode } from "react";
import { ApiError } from "../api/client";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="state loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state empty">
      <strong>{title}</strong>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

/** An API error as a person reads it: the message, and the field it names when it names one. */
export function ErrorNote({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  if (!error) return null;
  const api = error instanceof ApiError ? error : null;
  const message = api ? api.message : error instanceof Error ? error.message : String(error);
  return (
    <div className="state error" role="alert">
      <strong>{api ? `Error ${api.status}` : "Error"}</strong>: {message}
      {api?.field ? (
        <span className="field-name">
          {" "}
          (field <code>{api.field}</code>)
        </span>
      ) : null}
      {onRetry ? (
        <button type="button" className="link" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** The error for one form field, when the API named it. */
export function fieldError(error: unknown, field: string): string | null {
  return error instanceof ApiError && error.field && (error.field === field || error.field.endsWith(`.${field}`)) ? error.message : null;
}
