export const usd = (value: number): string =>
  value.toLocaleString("en-US", { style: "currency", currency: "USD", maximumFractionDigits: 2 });

export const when = (iso: string | null | undefined): string => (iso ? new Date(iso).toLocaleString() : "—");

/** The heartbeat light of an agent: green under 60 s, amber under 5 min, red after, grey when never seen. */
export function heartbeatLight(secondsSince: number | null | undefined): "green" | "amber" | "red" | "grey" {
  if (secondsSince === null || secondsSince === undefined) return "grey";
  if (secondsSince < 60) return "green";
  if (secondsSince < 300) return "amber";
  return "red";
}
