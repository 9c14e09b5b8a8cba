// The savings projection chart's series: cumulative spend month by month, unoptimized vs optimized.
export interface ProjectionPoint {
  month: string;
  unoptimized: number;
  optimized: number;
}

/** `months` points of cumulative spend from two monthly rates (what the API gives today). */
export function cumulativeSeries(unoptimizedMonthly: number, optimizedMonthly: number, months = 12, start = new Date()): ProjectionPoint[] {
  const out: ProjectionPoint[] = [];
  for (let m = 1; m <= months; m++) {
    const d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + m - 1, 1));
    out.push({
      month: d.toLocaleString("en-US", { month: "short", year: "2-digit", timeZone: "UTC" }),
      unoptimized: Math.round(unoptimizedMonthly * m * 100) / 100,
      optimized: Math.round(optimizedMonthly * m * 100) / 100,
    });
  }
  return out;
}

/** Instance families and counts from a cluster's `instance_types` map (`{"m5.xlarge": 6, …}`). */
export function families(instanceTypes: Record<string, number>): { family: string; nodes: number }[] {
  const byFamily = new Map<string, number>();
  for (const [type, count] of Object.entries(instanceTypes)) {
    const family = type.split(".")[0];
    byFamily.set(family, (byFamily.get(family) ?? 0) + count);
  }
  return [...byFamily].map(([family, nodes]) => ({ family, nodes })).sort((a, b) => b.nodes - a.nodes || a.family.localeCompare(b.family));
}
