// SAFE_MODE (system mapping: Safety & Fault Tolerance, the global safety flag; DESIGN safety rule 1): three
// levels, global, tenant and cluster; any level on makes every mutating action a logged dry run.
export type SafeModeLevel = "global" | "tenant" | "cluster";

export interface SafeModeView {
  on: boolean;
  levels: Record<string, boolean | null | undefined>;
  reasons: string[];
}

export const LEVEL_LABEL: Record<SafeModeLevel, string> = { global: "Global", tenant: "Organization", cluster: "Cluster" };

/** The levels a screen shows, in order: a cluster's three, a tenant's two, the global one alone (the
 * admin's own org level means nothing to other tenants). */
export function shownLevels(level: SafeModeLevel): SafeModeLevel[] {
  if (level === "cluster") return ["global", "tenant", "cluster"];
  return level === "tenant" ? ["global", "tenant"] : ["global"];
}

export interface SafeModeSummary {
  /** This level's own switch (never set counts as off). */
  own: boolean;
  /** The effective flag. */
  effective: boolean;
  /** Other levels that keep SAFE_MODE on whatever this one says. */
  heldBy: SafeModeLevel[];
}

export function summarize(view: SafeModeView, level: SafeModeLevel): SafeModeSummary {
  const own = view.levels[level] === true;
  const heldBy = shownLevels(level).filter((l) => l !== level && view.levels[l] === true);
  return { own, effective: view.on, heldBy };
}

/** Turning a level off lets actions run for real: that change (only that one) is confirmed first. */
export function needsConfirm(current: boolean, next: boolean): boolean {
  return current && !next;
}

/** The audit record that says who set a level: resource type and id in the ledger (safe_mode.set). */
export function auditResource(level: SafeModeLevel, ids: { orgId?: string; clusterId?: string }): { resource_type: string; resource_id: string } | null {
  if (level === "global") return { resource_type: "platform", resource_id: "global" };
  if (level === "tenant") return ids.orgId ? { resource_type: "org", resource_id: ids.orgId } : null;
  return ids.clusterId ? { resource_type: "cluster", resource_id: ids.clusterId } : null;
}

export interface SetterRecord {
  actor: string;
  timestamp: string;
  reason?: string | null;
  after?: unknown;
}

/** "turned on by ops@acme.example, 2 Dec 2026, 10:04 — reason" from the newest safe_mode.set record. */
export function setterText(
  record: SetterRecord | null | undefined,
  format: (iso: string) => string = (iso) => new Date(iso).toLocaleString(),
  me?: { user_id: string; email: string } | null,
): string | null {
  if (!record) return null;
  // the ledger names users by id; the signed-in user reads their own e-mail
  const actor = me && record.actor === `user:${me.user_id}` ? `you (${me.email})` : record.actor;
  const on = (record.after as { on?: unknown } | null | undefined)?.on;
  const verb = on === true ? "turned on" : on === false ? "turned off" : "set";
  const reason = record.reason && !/^\w+ SAFE_MODE turned (on|off)$/.test(record.reason) ? ` — ${record.reason}` : "";
  return `${verb} by ${actor}, ${format(record.timestamp)}${reason}`;
}
