import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

// The API behind fetch: starting a live switch, the experiment record, the admin lists the form reads.
const api = vi.hoisted(() => {
  const state = { started: [] as unknown[], recordGets: 0, record: {} as Record<string, unknown> };
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  globalThis.fetch = (async (input: Request) => {
    const path = new URL(input.url).pathname;
    if (path === "/api/lab/live-switch") {
      const body = (await input.clone().json()) as { instance_id: string };
      state.started.push(body);
      if (body.instance_id === "i-0000000000000000") return json({ error: { code: "invalid_input", message: "instance i-0000000000000000 already runs on Spot", field: "instance_id" } }, 422);
      return json({ experiment_id: "exp-1", status: "starting" }, 202);
    }
    if (path === "/api/lab/experiments/exp-1") {
      state.recordGets += 1;
      return json(state.record);
    }
    if (path === "/api/admin/clients") return json({ clients: [{ client_id: "org-1", name: "Acme" }], next_cursor: null });
    return json({ error: { code: "not_found", message: path, field: null } }, 404);
  }) as typeof fetch;
  return state;
});

import { fakeSocket } from "../testing/fakeSocket";
import { configureBaseUrl } from "../api/client";
import { LiveSwitchPanel } from "./LiveSwitch";

const FakeSocket = fakeSocket((type, data) => ({ stream: "lab:exp-1", cursor: "1:x", type, at: "", data }));

configureBaseUrl("http://spothive.test");
const models = { data: [], error: null, loading: false, reload: () => undefined, setData: () => undefined };

async function start(instance: string, real = false) {
  const user = userEvent.setup();
  render(<LiveSwitchPanel models={models} />);
  await user.type(screen.getByLabelText("Client org id"), "org-1");
  await user.type(screen.getByLabelText("On-Demand instance"), instance);
  if (real) await user.click(screen.getByRole("checkbox", { name: /Dry run/ }));
  return user;
}

describe("LiveSwitchPanel", () => {
  beforeEach(() => {
    FakeSocket.opened = [];
    api.started = [];
    api.recordGets = 0;
    vi.stubGlobal("WebSocket", FakeSocket);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("a real switch needs a second click, then shows steps, prices and the rollback as they stream in", async () => {
    const user = await start("i-0abc12345678", true);
    await user.click(screen.getByRole("button", { name: "Start the live switch" }));
    expect(api.started).toEqual([]);
    await user.click(screen.getByRole("button", { name: "Confirm: stop i-0abc12345678 and switch it to Spot" }));
    await waitFor(() => expect(FakeSocket.opened).toHaveLength(1));
    expect(api.started).toEqual([{ org_id: "org-1", instance_id: "i-0abc12345678", model_id: null, dry_run: false }]);
    expect(FakeSocket.opened[0].url).toBe("ws://spothive.test/api/lab/stream/exp-1");
    const socket = FakeSocket.opened[0];
    socket.send("step", { index: 0, step: "prepare", started_at: "2026-12-02T10:00:00Z", duration_ms: 850, result: "m5.xlarge in us-east-1a, 1 data volume(s)" });
    socket.send("step", { index: 1, step: "launch_spot", started_at: "2026-12-02T10:00:01Z", duration_ms: 1200, result: "failed: InsufficientInstanceCapacity" });
    socket.send("step", { index: 2, step: "rollback", started_at: "2026-12-02T10:00:03Z", duration_ms: 3000, result: "original restarted" });
    socket.send("status", { status: "rolled_back", price_before: 0.192, price_after: 0.0745, steps: 3 });
    const rows = screen.getAllByRole("row");
    expect(rows.slice(1).map((r) => r.textContent)).toEqual([
      expect.stringContaining("prepare"), expect.stringContaining("launch_spot"), expect.stringContaining("rollback"),
    ]);
    expect(screen.getByTestId("experiment-status")).toHaveTextContent("rolled back");
    expect(screen.getByTestId("switch-saving")).toHaveTextContent("$0.12/h (61%)");
    expect(screen.getByRole("region", { name: "Rollback" })).toHaveTextContent("rollback (original restarted)");
    // the server closes with 1000 at the end: the record is read once for what messages do not carry
    api.record = { experiment_id: "exp-1", status: "rolled_back", instance_id: "i-0abc12345678", telemetry: { steps: [], price_before: 0.192, price_after: 0.0745, error: "no Spot capacity in us-east-1a" } };
    socket.drop(1000);
    expect(await screen.findByText("Error: no Spot capacity in us-east-1a")).toBeInTheDocument();
    expect(api.recordGets).toBe(1);
  });

  it("polls the record when the socket is refused; an API error is shown beside its field", async () => {
    const user = await start("i-0abc12345678");
    await user.click(screen.getByRole("button", { name: "Start a dry run" }));
    await waitFor(() => expect(FakeSocket.opened).toHaveLength(1));
    api.record = { experiment_id: "exp-1", status: "dry_run", telemetry: { steps: [{ step: "prepare", duration_ms: 5, result: "dry_run" }] } };
    FakeSocket.opened[0].drop(4403);
    expect(await screen.findByText("dry run: nothing changed")).toBeInTheDocument();
    expect(api.recordGets).toBeGreaterThan(0);
    await user.clear(screen.getByLabelText("On-Demand instance"));
    await user.type(screen.getByLabelText("On-Demand instance"), "i-0000000000000000");
    await user.click(screen.getByRole("button", { name: "Start a dry run" }));
    expect(await screen.findByText("instance i-0000000000000000 already runs on Spot", { selector: ".field-error" })).toBeInTheDocument();
    expect(screen.getByLabelText("On-Demand instance")).toHaveAttribute("aria-invalid", "true");
  });
});
