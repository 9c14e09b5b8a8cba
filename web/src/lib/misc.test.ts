import { ApiError, toApiError } from "../api/client";
import { backoffDelay, pollWithBackoff } from "./backoff";
import { heartbeatLight } from "./format";
import { namespaceError, parseNamespaces } from "./namespaces";
import { cumulativeSeries, families } from "./projection";

describe("API errors", () => {
  it("reads SpotHive's error body with the field it names", () => {
    const e = toApiError(409, { error: { code: "conflict", message: "stale version", field: "expected_version" } });
    expect(e).toBeInstanceOf(ApiError);
    expect([e.status, e.code, e.message, e.field]).toEqual([409, "conflict", "stale version", "expected_version"]);
  });

  it("reads FastAPI's validation list, dropping the body prefix", () => {
    const e = toApiError(422, { detail: [{ loc: ["body", "password"], msg: "too short" }] });
    expect([e.field, e.message]).toEqual(["password", "too short"]);
  });

  it("survives a body that is not JSON", () => {
    expect(toApiError(502, null).message).toBe("HTTP 502");
  });
});

describe("polling with backoff", () => {
  it("doubles the wait up to the cap", () => {
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, 500, 5000))).toEqual([500, 1000, 2000, 4000, 5000, 5000]);
  });

  it("stops when the probe is done and waits the backoff between tries", async () => {
    const waits: number[] = [];
    let calls = 0;
    const value = await pollWithBackoff(async () => ({ done: ++calls === 4, value: calls }), { baseMs: 100, maxMs: 250, sleep: async (ms) => void waits.push(ms) });
    expect(value).toBe(4);
    expect(waits).toEqual([100, 200, 250]);
  });
});

describe("namespaces", () => {
  it("accepts DNS-1123 labels only", () => {
    expect(namespaceError("monitoring")).toBeNull();
    expect(namespaceError("Monitoring")).not.toBeNull();
    expect(namespaceError("-x")).not.toBeNull();
    expect(namespaceError("a".repeat(64))).toBe("at most 63 characters");
  });

  it("splits typed text into new names only", () => {
    expect(parseNamespaces("monitoring, istio-system kube-system monitoring", ["kube-system"])).toEqual(["monitoring", "istio-system"]);
  });
});

describe("dashboard series", () => {
  it("cumulative spend grows by the monthly rates", () => {
    const s = cumulativeSeries(1000, 400, 3, new Date(Date.UTC(2026, 11, 15)));
    expect(s.map((p) => [p.month, p.unoptimized, p.optimized])).toEqual([
      ["Dec 26", 1000, 400],
      ["Jan 27", 2000, 800],
      ["Feb 27", 3000, 1200],
    ]);
  });

  it("groups instance types into families, largest first", () => {
    expect(families({ "m5.xlarge": 6, "m5.2xlarge": 2, "c6g.xlarge": 3, "t3.large": 1 })).toEqual([
      { family: "m5", nodes: 8 },
      { family: "c6g", nodes: 3 },
      { family: "t3", nodes: 1 },
    ]);
  });

  it("heartbeat light is green under 60 s", () => {
    expect([heartbeatLight(59.9), heartbeatLight(60), heartbeatLight(301), heartbeatLight(null)]).toEqual(["green", "amber", "red", "grey"]);
  });
});
