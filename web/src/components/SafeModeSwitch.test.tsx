import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

// The API as a stub behind fetch: the cluster's SAFE_MODE, its audit record, and what PUTs were sent.
const api = vi.hoisted(() => {
  const state = { levels: { global: false, tenant: false, cluster: true } as Record<string, boolean | null>, puts: [] as unknown[], failNext: false };
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  globalThis.fetch = (async (input: Request) => {
    const url = new URL(input.url);
    if (url.pathname === "/api/clusters/c-1/safe-mode" && input.method === "PUT") {
      const body = (await input.clone().json()) as { on: boolean };
      state.puts.push(body);
      if (state.failNext) return json({ error: { code: "invalid_input", message: "reason is too long", field: "reason" } }, 422);
      state.levels.cluster = body.on;
    }
    if (url.pathname === "/api/clusters/c-1/safe-mode") {
      const on = Object.values(state.levels).some(Boolean);
      return json({ on, levels: state.levels, reasons: on ? ["cluster SAFE_MODE on"] : [] });
    }
    if (url.pathname === "/api/audit") {
      expect(Object.fromEntries(url.searchParams)).toMatchObject({ action: "safe_mode.set", resource_type: "cluster", resource_id: "c-1", limit: "1" });
      return json({ logs: [{ seq: 3, actor: "ops@acme.example", timestamp: "2026-12-02T09:00:00Z", reason: "freeze for the launch", after: { level: "cluster", on: true } }], next_cursor: null });
    }
    return json({ error: { code: "not_found", message: url.pathname, field: null } }, 404);
  }) as typeof fetch;
  return state;
});

import { configureBaseUrl } from "../api/client";
import { AuthProvider } from "../auth";
import { SafeModeSwitch } from "./SafeModeSwitch";

configureBaseUrl("http://spothive.test");

const renderSwitch = () =>
  render(
    <AuthProvider>
      <SafeModeSwitch level="cluster" clusterId="c-1" subject="acme-prod" />
    </AuthProvider>,
  );

describe("SafeModeSwitch", () => {
  beforeEach(() => {
    api.levels = { global: false, tenant: false, cluster: true };
    api.puts = [];
    api.failNext = false;
  });

  it("shows the effective flag and who set it, and asks before turning off", async () => {
    const user = userEvent.setup();
    renderSwitch();
    const toggle = await screen.findByRole("switch", { name: "SAFE_MODE for acme-prod" });
    expect(toggle).toHaveAttribute("aria-checked", "true");
    expect(screen.getByTestId("safe-mode-effective")).toHaveTextContent("Effective: on");
    expect(await screen.findByTestId("safe-mode-setter")).toHaveTextContent("turned on by ops@acme.example");
    expect(screen.getByTestId("safe-mode-setter")).toHaveTextContent("freeze for the launch");
    // the first click only asks; keeping it on sends nothing
    await user.click(toggle);
    expect(screen.getByRole("alertdialog")).toHaveTextContent("Turn SAFE_MODE off for acme-prod?");
    expect(screen.getByRole("button", { name: "Turn SAFE_MODE off" })).toHaveFocus();
    await user.click(screen.getByRole("button", { name: "Keep it on" }));
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(api.puts).toEqual([]);
    // confirmed with a reason: one PUT, and the switch shows off
    await user.click(toggle);
    await user.type(screen.getByLabelText(/Reason/), "launch is over");
    await user.click(screen.getByRole("button", { name: "Turn SAFE_MODE off" }));
    await waitFor(() => expect(toggle).toHaveAttribute("aria-checked", "false"));
    expect(api.puts).toEqual([{ on: false, reason: "launch is over" }]);
    expect(screen.getByTestId("safe-mode-effective")).toHaveTextContent("Effective: off");
  });

  it("turns on without asking; Escape cancels the confirm; an API error names its field", async () => {
    const user = userEvent.setup();
    api.levels.cluster = false;
    renderSwitch();
    const toggle = await screen.findByRole("switch", { name: "SAFE_MODE for acme-prod" });
    await user.click(toggle);
    await waitFor(() => expect(toggle).toHaveAttribute("aria-checked", "true"));
    expect(api.puts).toEqual([{ on: true, reason: null }]);
    await user.click(toggle);
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("alertdialog")).toBeNull();
    api.failNext = true;
    await user.click(toggle);
    await user.click(screen.getByRole("button", { name: "Turn SAFE_MODE off" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("reason is too long");
    expect(screen.getByRole("alert")).toHaveTextContent("(field reason)");
    expect(toggle).toHaveAttribute("aria-checked", "true");
  });
});
