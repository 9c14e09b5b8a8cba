import { applyScanMessage, initialScan, scanFraction, scanLabel, type ScanState } from "./scan";
import { parseMessage, streamUrl, type StreamMessage } from "./stream";

const msg = (type: string, data: Record<string, unknown>): StreamMessage => ({ stream: "discovery:org-1", cursor: "1-0", type, at: "2026-12-02T10:00:00.000Z", data });

describe("the scan bar from the discovery stream", () => {
  it("follows started → regions → finished for its own account", () => {
    // Given a scan of three regions that finds one cluster
    const steps = [
      msg("scan.started", { account_id: "acc-1", regions_total: 3, regions_scanned: 0, clusters_found: 0, instances_found: 0 }),
      msg("scan.region", { account_id: "acc-1", region: "us-east-1", regions_total: 3, regions_scanned: 1, clusters_found: 1, instances_found: 20 }),
      msg("scan.region", { account_id: "acc-2", region: "eu-west-1", regions_total: 3, regions_scanned: 3, clusters_found: 9, instances_found: 90 }),
    ];
    // When the messages arrive
    const mid = steps.reduce((s: ScanState, m) => applyScanMessage(s, m, "acc-1"), initialScan);
    // Then another account's message changed nothing and the bar is a third full
    expect(mid).toMatchObject({ phase: "scanning", regionsScanned: 1, regionsTotal: 3, clustersFound: 1, instancesFound: 20, lastRegion: "us-east-1" });
    expect(scanFraction(mid)).toBeCloseTo(1 / 3);
    expect(scanLabel(mid)).toBe("Scanning EC2 and EKS… 1 of 3 region(s) (last: us-east-1)");
    const done = applyScanMessage(mid, msg("scan.finished", { account_id: "acc-1", regions_total: 3, regions_scanned: 3, clusters_found: 1, instances_found: 24, added: 24, removed: 0, changed: 0 }), "acc-1");
    expect(done).toMatchObject({ phase: "finished", regionsScanned: 3, instancesFound: 24 });
    expect([scanFraction(done), scanLabel(done)]).toEqual([1, "Scan complete"]);
  });

  it("a failed scan keeps its error; a new start resets the counts", () => {
    const failed = applyScanMessage({ ...initialScan, phase: "scanning", regionsScanned: 2, regionsTotal: 4 }, msg("scan.failed", { account_id: "a", error: "AccessDenied: ec2:DescribeInstances" }), "a");
    expect([failed.phase, failed.error, scanLabel(failed)]).toEqual(["failed", "AccessDenied: ec2:DescribeInstances", "Scan failed"]);
    const again = applyScanMessage(failed, msg("scan.started", { account_id: "a", regions_total: 4, regions_scanned: 0 }), "a");
    expect(again).toMatchObject({ phase: "scanning", regionsScanned: 0, error: null });
  });
});

describe("stream envelope", () => {
  it("builds the socket URL on the API's origin, else this page's", () => {
    expect(streamUrl("/api/connect/stream", { account_id: "acc 1", cursor: null }, "https://api.spothive.test", "http://x/")).toBe("wss://api.spothive.test/api/connect/stream?account_id=acc+1");
    expect(streamUrl("/api/lab/stream/exp-1", {}, "", "http://127.0.0.1:8000/admin/lab")).toBe("ws://127.0.0.1:8000/api/lab/stream/exp-1");
  });

  it("keeps well-formed messages only", () => {
    expect(parseMessage(JSON.stringify(msg("log", { message: "hi" })))?.type).toBe("log");
    expect(parseMessage("not json")).toBeNull();
    expect(parseMessage(JSON.stringify({ type: "step" }))).toBeNull();
    expect(parseMessage(new ArrayBuffer(2))).toBeNull();
  });
});
