import { render, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

// The API behind fetch: stopping an A/B test (the first stop wins, a second is a conflict).
const api = vi.hoisted(() => {
  const state = { stops: 0 };
  const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  globalThis.fetch = (async (input: Request) => {
    const path = new URL(input.url).pathname;
    if (path === "/api/lab/parallel/ab-1/stop" && input.method === "POST") {
      state.stops += 1;
      if (state.stops > 1) return json({ error: { code: "conflict", message: "A/B test ab-1 is already stopped", field: "test_id" } }, 409);
      return json({ test_id: "ab-1", status: "stopped" });
    }
    return json({ error: { code: "not_found", message: path, field: null } }, 404);
  }) as typeof fetch;
  return state;
});

import { configureBaseUrl } from "../api/client";
import { StopTest } from "./AbTest";

configureBaseUrl("http://spothive.test");

test("stopping asks first, then stops once and tells the results to reload", async () => {
  const user = userEvent.setup();
  const reloaded = vi.fn();
  render(<StopTest testId="ab-1" onStopped={reloaded} />);

  await user.click(screen.getByRole("button", { name: "Stop test" }));
  expect(api.stops).toBe(0);
  expect(screen.getByRole("status").textContent).toContain("Both instances lose their model tag");
  await user.click(screen.getByRole("button", { name: "Keep it running" }));
  expect(api.stops).toBe(0);

  await user.click(screen.getByRole("button", { name: "Stop test" }));
  await user.click(screen.getByRole("button", { name: "Confirm stop" }));
  await waitFor(() => expect(reloaded).toHaveBeenCalledTimes(1));
  expect(api.stops).toBe(1);
});

test("a stop the API refuses shows its message and reloads nothing", async () => {
  const user = userEvent.setup();
  const reloaded = vi.fn();
  render(<StopTest testId="ab-1" onStopped={reloaded} />);

  await user.click(screen.getByRole("button", { name: "Stop test" }));
  await user.click(screen.getByRole("button", { name: "Confirm stop" }));
  expect(await screen.findByText(/already stopped/)).toBeTruthy();
  expect(reloaded).not.toHaveBeenCalled();
});
