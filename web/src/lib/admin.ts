// Pure helpers of the admin screens: worker traffic lights, impersonation countdown, money.

/** The CSS class of a traffic light (the stylesheet names yellow "amber"). */
export function lightClass(status: string | null | undefined): "green" | "amber" | "red" | "" {
  if (status === "green" || status === "red") return status;
  return status === "yellow" ? "amber" : "";
}

/** Whole minutes left until `expiresAt` (ISO 8601), never below zero. */
export function minutesLeft(expiresAt: string, now: Date = new Date()): number {
  const ms = Date.parse(expiresAt) - now.getTime();
  return Number.isNaN(ms) ? 0 : Math.max(0, Math.ceil(ms / 60000));
}

/** Why an impersonation request would be refused before it is sent (the API's own bounds), or null. */
export function impersonationProblem(reason: string, minutes: number): string | null {
  if (reason.trim().length < 10) return "Say why, in at least 10 characters (the client sees it).";
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60) return "Minutes must be between 1 and 60.";
  return null;
}

/** USD a month, no cents above $1,000. */
export function usdMonth(value: number): string {
  const digits = Math.abs(value) >= 1000 ? 0 : 2;
  return `$${value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}/mo`;
}
