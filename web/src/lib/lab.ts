// Pure helpers of the Lab: a live switch's telemetry (from its lab-experiments record or the lab stream's
// `step`/`status` messages, docs/streams.md) and an A/B test's per-model comparison.
import type { StreamMessage } from "./stream";

export interface SwitchStep {
  index: number;
  step: string;
  started_at: string | null;
  duration_ms: number | null;
  result: string;
}

export interface SwitchView {
  experimentId: string;
  status: string;
  instanceId: string | null;
  spotInstanceId: string | null;
  steps: SwitchStep[];
  priceBefore: number | null;
  priceAfter: number | null;
  dryRun: boolean;
  error: string | null;
  rollbackError: string | null;
}

/** Statuses after which an experiment changes no more (the stream closes with 1000). */
export const FINAL = new Set(["switched", "rolled_back", "failed", "dry_run", "completed", "aborted"]);

export const STATUS_TEXT: Record<string, string> = {
  starting: "starting",
  running: "running",
  switched: "switched to Spot",
  rolled_back: "rolled back: the original instance runs again",
  failed: "failed",
  dry_run: "dry run: nothing changed",
  completed: "completed",
  aborted: "aborted",
};

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

export function emptySwitch(experimentId: string, instanceId: string | null = null): SwitchView {
  return { experimentId, status: "starting", instanceId, spotInstanceId: null, steps: [], priceBefore: null, priceAfter: null, dryRun: false, error: null, rollbackError: null };
}

function toStep(raw: Record<string, unknown>, index: number): SwitchStep {
  return { index: num(raw.index) ?? index, step: String(raw.step ?? "step"), started_at: str(raw.started_at), duration_ms: num(raw.duration_ms), result: String(raw.result ?? "") };
}

/** The view of a whole record (GET /api/lab/experiments/{id}). */
export function fromRecord(record: Record<string, unknown>): SwitchView {
  const t = (record.telemetry ?? {}) as Record<string, unknown>;
  const steps = Array.isArray(t.steps) ? (t.steps as Record<string, unknown>[]).map(toStep) : [];
  const error = t.error as unknown;
  return {
    experimentId: String(record.experiment_id ?? ""),
    status: String(record.status ?? "starting"),
    instanceId: str(record.instance_id),
    spotInstanceId: str(record.spot_instance_id),
    steps,
    priceBefore: num(t.price_before),
    priceAfter: num(t.price_after),
    dryRun: t.dry_run === true,
    error: typeof error === "string" ? error : error && typeof error === "object" ? String((error as { message?: unknown }).message ?? JSON.stringify(error)) : null,
    rollbackError: str(t.rollback_error),
  };
}

/** The next view after one lab stream message: a `step` adds (or replaces) its index, `status` moves on. */
export function applyLabMessage(view: SwitchView, message: StreamMessage): SwitchView {
  const d = message.data;
  if (message.type === "step") {
    const step = toStep(d, view.steps.length);
    const steps = view.steps.filter((s) => s.index !== step.index).concat(step).sort((a, b) => a.index - b.index);
    return { ...view, steps };
  }
  if (message.type === "status") {
    return { ...view, status: String(d.status ?? view.status), priceBefore: num(d.price_before) ?? view.priceBefore, priceAfter: num(d.price_after) ?? view.priceAfter };
  }
  return view;
}

export const isRollbackStep = (s: SwitchStep): boolean => s.step.includes("rollback");
export const isFailedStep = (s: SwitchStep): boolean => s.result.startsWith("failed");

/** Whole run time of the steps so far, ms. */
export function totalMs(steps: SwitchStep[]): number {
  return steps.reduce((sum, s) => sum + (s.duration_ms ?? 0), 0);
}

/** "850 ms", "12.3 s", "2 min 5 s". */
export function duration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** Price before (On-Demand) against after (Spot): the saving an hour and its share, when both are known. */
export function priceChange(before: number | null, after: number | null): { perHour: number; share: number } | null {
  if (before === null || after === null || before <= 0) return null;
  return { perHour: Math.round((before - after) * 10000) / 10000, share: (before - after) / before };
}

// ---- A/B tests -----------------------------------------------------------------------------------------

export interface CalibrationBin {
  low: number;
  high: number;
  count: number;
  mean_predicted: number;
  observed_rate: number;
}

export interface ArmResult {
  arm: string;
  instance_id: string;
  model_id: string;
  instance_type?: string | null;
  zone?: string | null;
  predictions: { prediction_id?: string; at: string; interruption_probability: number; model_version?: string }[];
  observed_interruptions: number;
  interruptions: string[];
  calibration: { predictions: number; mean_predicted: number | null; observed_rate: number | null; brier: number | null; bins: CalibrationBin[] };
}

export interface AbResults {
  test_id: string;
  status: string;
  created_at: string;
  models: ArmResult[];
}

/** The arm whose predictions matched what happened best (lower Brier score); null without scores or on a tie. */
export function betterArm(models: ArmResult[]): string | null {
  const scored = models.filter((m) => m.calibration.brier !== null);
  if (scored.length < 2) return null;
  const [a, b] = [...scored].sort((x, y) => (x.calibration.brier ?? 0) - (y.calibration.brier ?? 0));
  return a.calibration.brier === b.calibration.brier ? null : a.arm;
}

/** The newest prediction's probability, or null. */
export function latestProbability(arm: ArmResult): number | null {
  if (!arm.predictions.length) return null;
  return [...arm.predictions].sort((x, y) => x.at.localeCompare(y.at))[arm.predictions.length - 1].interruption_probability;
}

export const percent = (v: number | null | undefined, digits = 1): string => (v === null || v === undefined ? "—" : `${(v * 100).toFixed(digits)}%`);
