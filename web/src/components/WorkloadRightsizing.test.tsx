import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

// The API as a stub behind fetch: two pages of workloads of cluster c-1, the second after cursor shop/checkout.
const api = vi.hoisted(() => {
  const state = { queries: [] as Record<string, string>[], repacked: true };
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  const line = (owner: string, confident: boolean, current: unknown, recommended: unknown) => ({
    namespace: "shop", owner, pods: current ? 6 : 0, current, recommended, samples: confident ? 180 : 3,
    history_hours: confident ? 29 : 0.05, confidence: confident ? 0.0863 : 0.0001, confident,
    reason: confident ? "p90 CPU and peak memory of 180 samples over 29.0 h +15% margin" : "not confident before 24 h",
  });
  globalThis.fetch = (async (input: Request) => {
    const url = new URL(input.url);
    if (url.pathname === "/api/clusters/c-1/rightsizing") {
      const query = Object.fromEntries(url.searchParams);
      state.queries.push(query);
      const repacked = state.repacked ? { optimized: 70.08, without: 420.48, saving: 350.4 } : null;
      if (!query.cursor) {
        return json({ cluster_id: "c-1", total: 2, next_cursor: "shop/checkout", repacked,
                      workloads: [line("checkout", true, { cpu_m: 2000, memory_mib: 1024 }, { cpu_m: 352, memory_mib: 477 })] });
      }
      return json({ cluster_id: "c-1", total: 2, next_cursor: null, repacked,
                    workloads: [line("fresh", false, null, { cpu_m: 518, memory_mib: 236 })] });
    }
    return json({ error: { code: "not_found", message: url.pathname, field: null } }, 404);
  }) as typeof fetch;
  return state;
});

import { configureBaseUrl } from "../api/client";
import { WorkloadRightsizing } from "./WorkloadRightsizing";

configureBaseUrl("http://spothive.test");

describe("WorkloadRightsizing", () => {
  beforeEach(() => {
    api.queries = [];
    api.repacked = true;
  });

  it("lists each workload's requests now and recommended with its confidence, and the saving once re-packed", async () => {
    const user = userEvent.setup();
    render(<WorkloadRightsizing clusterId="c-1" name="acme-prod" />);
    const table = await screen.findByRole("table", { name: "Workload right-sizing of acme-prod" });
    const checkout = within(table).getByText("shop/checkout").closest("tr") as HTMLElement;
    expect(checkout).toHaveTextContent("2 cores · 1024 MiB");
    expect(checkout).toHaveTextContent("352m · 477 MiB");
    expect(checkout).toHaveTextContent("high · 9% of 14 days sampled");
    expect(screen.getByTestId("workloads-repacked")).toHaveTextContent("$70.08 a month instead of $420.48");
    expect(screen.getByTestId("workloads-repacked")).toHaveTextContent("$350.40");
    expect(api.queries).toEqual([{ limit: "50" }]);

    // The next page follows the cursor and is appended; a new workload is not confident and not in the snapshot
    await user.click(screen.getByRole("button", { name: "Show more (1 of 2)" }));
    const fresh = (await within(table).findByText("shop/fresh")).closest("tr") as HTMLElement;
    expect(fresh).toHaveTextContent("low · 0% of 14 days sampled");
    expect(fresh).toHaveTextContent("—");
    expect(api.queries[1]).toEqual({ limit: "50", cursor: "shop/checkout" });
    expect(screen.queryByRole("button", { name: /Show more/ })).toBeNull();
  });

  it("says the saving is unknown while no snapshot describes the pods", async () => {
    api.repacked = false;
    render(<WorkloadRightsizing clusterId="c-1" name="acme-prod" />);
    expect(await screen.findByTestId("workloads-repacked")).toHaveTextContent("not known");
  });
});
