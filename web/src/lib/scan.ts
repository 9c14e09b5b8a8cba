// The onboarding scan bar's state from the discovery stream (scan.started → scan.region… → scan.finished or
// scan.failed, every `data` naming its account_id), so regions and finds show as they happen.
import type { StreamMessage } from "./stream";

export interface ScanState {
  phase: "waiting" | "scanning" | "finished" | "failed";
  regionsScanned: number;
  regionsTotal: number;
  clustersFound: number;
  instancesFound: number;
  lastRegion: string | null;
  error: string | null;
}

export const initialScan: ScanState = {
  phase: "waiting",
  regionsScanned: 0,
  regionsTotal: 0,
  clustersFound: 0,
  instancesFound: 0,
  lastRegion: null,
  error: null,
};

const num = (value: unknown, fallback: number): number => (typeof value === "number" && Number.isFinite(value) ? value : fallback);

/** The next state after one message; another account's messages (and unknown types) change nothing. */
export function applyScanMessage(state: ScanState, message: StreamMessage, accountId: string): ScanState {
  const d = message.data;
  if (d.account_id !== accountId) return state;
  const counts = {
    regionsScanned: num(d.regions_scanned, state.regionsScanned),
    regionsTotal: num(d.regions_total, state.regionsTotal),
    clustersFound: num(d.clusters_found, state.clustersFound),
    instancesFound: num(d.instances_found, state.instancesFound),
  };
  switch (message.type) {
    case "scan.started":
      return { ...initialScan, phase: "scanning", ...counts };
    case "scan.region":
      return { ...state, phase: "scanning", ...counts, lastRegion: typeof d.region === "string" ? d.region : state.lastRegion };
    case "scan.finished":
      return { ...state, phase: "finished", ...counts, regionsScanned: counts.regionsTotal || counts.regionsScanned, error: null };
    case "scan.failed":
      return { ...state, phase: "failed", error: typeof d.error === "string" ? d.error : "the scan failed" };
    default:
      return state;
  }
}

/** Share of the scan done, 0–1: regions scanned while scanning, 1 once it ended. */
export function scanFraction(state: ScanState): number {
  if (state.phase === "finished" || state.phase === "failed") return 1;
  if (state.phase === "waiting" || !state.regionsTotal) return state.phase === "scanning" ? 0.05 : 0;
  return Math.min(1, state.regionsScanned / state.regionsTotal);
}

/** What the bar says. */
export function scanLabel(state: ScanState): string {
  switch (state.phase) {
    case "waiting":
      return "Waiting for the scan to start";
    case "scanning":
      return state.regionsTotal
        ? `Scanning EC2 and EKS… ${state.regionsScanned} of ${state.regionsTotal} region(s)${state.lastRegion ? ` (last: ${state.lastRegion})` : ""}`
        : "Scanning EC2 and EKS…";
    case "finished":
      return "Scan complete";
    case "failed":
      return "Scan failed";
  }
}
