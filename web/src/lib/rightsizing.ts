// Pure helpers of the right-sizing view (MOD-SIZE-01): EC2 recommendations from 14 days of CloudWatch CPU.
export interface Recommendation {
  instance_id: string;
  current: string;
  target: string | null;
  p95_cpu_percent: number | null;
  needed_vcpu: number | null;
  hourly_before: number | null;
  hourly_after: number | null;
  monthly_saving: number;
  confidence: number;
  confident: boolean;
  reason: string;
}

export const INSTANCE_ID = /^i-[0-9a-f]{8,17}$/;

/** Why an instance id would be refused before asking (the API's own pattern), or null. */
export function instanceIdProblem(value: string): string | null {
  const v = value.trim();
  if (!v) return "Enter an instance id.";
  return INSTANCE_ID.test(v) ? null : "An EC2 instance id looks like i-0123456789abcdef0.";
}

/** "high · 93% of 14 days sampled" / "low · 20% of 14 days sampled". */
export function confidenceText(r: Pick<Recommendation, "confidence" | "confident">): string {
  const share = Math.round(Math.max(0, Math.min(1, r.confidence)) * 100);
  return `${r.confident ? "high" : "low"} · ${share}% of 14 days sampled`;
}

/** Recommendations that change something, largest monthly saving first, and what they add up to. */
export function ranked(list: Recommendation[]): { rows: Recommendation[]; total: number } {
  const rows = list.filter((r) => r.target && r.target !== r.current).sort((a, b) => b.monthly_saving - a.monthly_saving);
  return { rows, total: Math.round(rows.reduce((sum, r) => sum + r.monthly_saving, 0) * 100) / 100 };
}

/** Per-pod requests as "2000m · 1024 MiB" (a CPU of 1000m or more reads in cores: "2 cores"). */
export function requestsText(r: { cpu_m: number; memory_mib: number } | null | undefined): string {
  if (!r) return "—";
  const cpu = r.cpu_m >= 1000 && r.cpu_m % 1000 === 0 ? `${r.cpu_m / 1000} core${r.cpu_m === 1000 ? "" : "s"}` : `${r.cpu_m}m`;
  return `${cpu} · ${r.memory_mib} MiB`;
}
