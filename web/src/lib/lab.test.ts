import { applyLabMessage, betterArm, duration, emptySwitch, fromRecord, latestProbability, priceChange, totalMs, type ArmResult } from "./lab";

const step = (index: number, name: string, result: string, duration_ms = 100) => ({ stream: "lab:exp-1", cursor: `${index + 1}:running`, type: "step", at: "", data: { index, step: name, started_at: "2026-12-02T10:00:00.000Z", duration_ms, result } });

describe("live switch telemetry", () => {
  it("adds steps in index order, once each, and takes prices from the status message", () => {
    let v = emptySwitch("exp-1");
    v = applyLabMessage(v, step(1, "stop", "stopping"));
    v = applyLabMessage(v, step(0, "prepare", "described"));
    v = applyLabMessage(v, step(1, "stop", "stopping")); // a reconnect replays it
    v = applyLabMessage(v, { stream: "lab:exp-1", cursor: "2:switched", type: "status", at: "", data: { status: "switched", price_before: 0.192, price_after: 0.0712, steps: 2 } });
    expect(v.steps.map((s) => s.step)).toEqual(["prepare", "stop"]);
    expect([v.status, v.priceBefore, v.priceAfter, totalMs(v.steps)]).toEqual(["switched", 0.192, 0.0712, 200]);
    expect(priceChange(v.priceBefore, v.priceAfter)).toEqual({ perHour: 0.1208, share: expect.closeTo(0.629, 3) });
  });

  it("reads a rolled-back record: its error, its rollback steps", () => {
    const v = fromRecord({
      experiment_id: "exp-2", status: "rolled_back", instance_id: "i-0abc12345678", spot_instance_id: "i-0def12345678",
      telemetry: { steps: [{ step: "launch_spot", started_at: null, duration_ms: 40, result: "failed: InsufficientInstanceCapacity" }, { step: "rollback", duration_ms: 12, result: "original restarted" }], price_before: 0.1, price_after: null, error: { message: "no Spot capacity" }, rollback_error: null },
    });
    expect([v.status, v.error, v.steps[1].index, v.steps[1].step]).toEqual(["rolled_back", "no Spot capacity", 1, "rollback"]);
    expect(priceChange(v.priceBefore, v.priceAfter)).toBeNull();
  });

  it("says durations the way people read them", () => {
    expect([duration(850), duration(12340), duration(125000), duration(null)]).toEqual(["850 ms", "12.3 s", "2 min 5 s", "—"]);
  });
});

const arm = (name: string, brier: number | null, probs: [string, number][]): ArmResult => ({
  arm: name, instance_id: `i-0${name}00000000`, model_id: `m-${name}`, observed_interruptions: 0, interruptions: [],
  predictions: probs.map(([at, p]) => ({ at, interruption_probability: p })),
  calibration: { predictions: probs.length, mean_predicted: null, observed_rate: null, brier, bins: [] },
});

describe("A/B comparison", () => {
  it("names the arm with the lower Brier score, none on a tie or without scores", () => {
    expect(betterArm([arm("a", 0.21, []), arm("b", 0.09, [])])).toBe("b");
    expect(betterArm([arm("a", 0.1, []), arm("b", 0.1, [])])).toBeNull();
    expect(betterArm([arm("a", null, []), arm("b", 0.1, [])])).toBeNull();
  });

  it("takes the newest prediction, whatever the order they came in", () => {
    expect(latestProbability(arm("a", null, [["2026-12-02T10:05:00Z", 0.3], ["2026-12-02T10:00:00Z", 0.1]]))).toBe(0.3);
    expect(latestProbability(arm("a", null, []))).toBeNull();
  });
});
