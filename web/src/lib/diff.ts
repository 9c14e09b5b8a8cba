// The audit diff drawer's model: the API's field changes (`{path, before, after}`) as rows a person reads.
export interface Change {
  path: string;
  before?: unknown;
  after?: unknown;
}

export type ChangeKind = "added" | "removed" | "changed";

export interface DiffRow {
  path: string;
  kind: ChangeKind;
  before: string;
  after: string;
}

/** A value as one short line: strings bare, everything else as compact JSON, absence as an em dash. */
export function show(value: unknown): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

export function kindOf(change: Change): ChangeKind {
  const had = change.before !== undefined && change.before !== null;
  const has = change.after !== undefined && change.after !== null;
  if (!had && has) return "added";
  if (had && !has) return "removed";
  return "changed";
}

/** Rows sorted by path, so the same record always reads the same way. */
export function diffRows(changes: readonly Change[]): DiffRow[] {
  return [...changes]
    .sort((a, b) => a.path.localeCompare(b.path))
    .map((c) => ({ path: c.path, kind: kindOf(c), before: show(c.before), after: show(c.after) }));
}
