import { confidenceText, instanceIdProblem, ranked, type Recommendation } from "./rightsizing";
import { auditResource, needsConfirm, setterText, summarize } from "./safeMode";

describe("SAFE_MODE levels", () => {
  it("a cluster switched off is still held on by its tenant", () => {
    const s = summarize({ on: true, levels: { global: false, tenant: true, cluster: false }, reasons: ["tenant SAFE_MODE on"] }, "cluster");
    expect(s).toEqual({ own: false, effective: true, heldBy: ["tenant"] });
  });

  it("the global switch is held by nothing else", () => {
    expect(summarize({ on: true, levels: { global: false, tenant: true }, reasons: [] }, "global").heldBy).toEqual([]);
  });

  it("never set counts as off", () => {
    expect(summarize({ on: false, levels: { global: null, tenant: null }, reasons: [] }, "tenant")).toEqual({ own: false, effective: false, heldBy: [] });
  });

  it("asks only before turning off", () => {
    expect([needsConfirm(true, false), needsConfirm(false, true), needsConfirm(false, false)]).toEqual([true, false, false]);
  });

  it("finds who set a level in the ledger", () => {
    expect(auditResource("cluster", { clusterId: "c-1" })).toEqual({ resource_type: "cluster", resource_id: "c-1" });
    expect(auditResource("tenant", { orgId: "org-9" })).toEqual({ resource_type: "org", resource_id: "org-9" });
    expect(auditResource("tenant", {})).toBeNull();
    expect(auditResource("global", {})).toEqual({ resource_type: "platform", resource_id: "global" });
    const fmt = () => "2 Dec";
    expect(setterText({ actor: "ops@acme.example", timestamp: "x", reason: "cluster SAFE_MODE turned on", after: { on: true } }, fmt)).toBe("turned on by ops@acme.example, 2 Dec");
    expect(setterText({ actor: "ops@acme.example", timestamp: "x", reason: "freeze for the launch", after: { on: false } }, fmt)).toBe("turned off by ops@acme.example, 2 Dec — freeze for the launch");
    expect(setterText(null)).toBeNull();
    expect(setterText({ actor: "user:u-7", timestamp: "x", after: { on: true } }, fmt, { user_id: "u-7", email: "ops@acme.example" })).toBe("turned on by you (ops@acme.example), 2 Dec");
  });
});

const rec = (id: string, target: string | null, saving: number): Recommendation => ({
  instance_id: id, current: "m5.2xlarge", target, p95_cpu_percent: 12, needed_vcpu: 2, hourly_before: 0.384, hourly_after: 0.192, monthly_saving: saving, confidence: 0.934, confident: true, reason: "",
});

describe("right-sizing", () => {
  it("ranks changes by saving and adds them up; keeping the type is not a change", () => {
    const { rows, total } = ranked([rec("i-01", "m5.xlarge", 70.08), rec("i-02", null, 0), rec("i-03", "m5.large", 105.12)]);
    expect(rows.map((r) => r.instance_id)).toEqual(["i-03", "i-01"]);
    expect(total).toBe(175.2);
  });

  it("says the confidence and checks ids before asking", () => {
    expect(confidenceText({ confidence: 0.934, confident: true })).toBe("high · 93% of 14 days sampled");
    expect(confidenceText({ confidence: 0.2, confident: false })).toBe("low · 20% of 14 days sampled");
    expect(instanceIdProblem(" i-0123456789abcdef0 ")).toBeNull();
    expect(instanceIdProblem("web-1")).toMatch(/looks like i-/);
    expect(instanceIdProblem("")).toBe("Enter an instance id.");
  });
});
