// A stored policy change must move the savings projection: the planner reads the cluster's policy.
// Its own spec, its own stack user and its own browser, so a failure here names exactly this behaviour
// (the single-process Chromium build can die as the journey's context closes; a fresh one cannot inherit that).
import { readFileSync } from "node:fs";
import { type APIRequestContext, type Page, chromium, expect, test } from "@playwright/test";

const stack = JSON.parse(process.env.SPOTHIVE_E2E ?? "{}") as { api_url: string; role_arn: string; snapshot_file: string };

test("changing the bin-pack policy changes the dashboard's projection", async ({ request }) => {
  const browser = await chromium.launch({
    executablePath: process.env.SPOTHIVE_CHROMIUM_PATH,
    args: JSON.parse(process.env.SPOTHIVE_CHROMIUM_ARGS ?? "[]"),
  });
  try {
    const page = await (await browser.newContext({ baseURL: stack.api_url, viewport: { width: 1366, height: 900 } })).newPage();
    await projectionFollowsPolicy(page, request);
  } finally {
    await browser.close();
  }
});

async function projectionFollowsPolicy(page: Page, request: APIRequestContext): Promise<void> {
  const email = `proj-${Date.now()}@acme.example`;
  const password = "E2e-Password-2026!";
  const signup = await request.post(`${stack.api_url}/api/auth/signup`, { data: { org_name: "Projection Co", email, password } });
  expect(signup.status()).toBe(201);
  const auth = { Authorization: `Bearer ${(await signup.json()).token}` };
  const link = await (await request.post(`${stack.api_url}/api/connect/link`, { headers: auth })).json();
  const verified = await request.post(`${stack.api_url}/api/connect/verify`, { headers: auth, data: { account_id: link.account_id, role_arn: stack.role_arn } });
  expect(verified.status()).toBe(200);
  await expect.poll(async () => (await (await request.get(`${stack.api_url}/api/client/clusters`, { headers: auth })).json()).clusters.length, { timeout: 90000 }).toBe(1);
  const cluster = (await (await request.get(`${stack.api_url}/api/client/clusters`, { headers: auth })).json()).clusters[0];
  const put = await request.put(`${stack.api_url}/api/clusters/${cluster.cluster_id}/snapshot`, { headers: auth, data: JSON.parse(readFileSync(stack.snapshot_file, "utf8")) });
  expect(put.status()).toBe(200);

  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard/);
  const figures = page.getByTestId("projection-figures");
  await expect(figures).toContainText("planner");
  const before = (await figures.textContent()) ?? "";

  await page.getByRole("link", { name: "Policies" }).click();
  await page.getByLabel(/Aggressiveness/).focus();
  await page.keyboard.press("Home");
  await expect(page.getByLabel(/Aggressiveness/)).toHaveValue("20");
  await page.getByRole("button", { name: "Save bin-packing" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Bin-packing saved" })).toBeVisible();

  await page.getByRole("link", { name: "Dashboard" }).click();
  await expect(figures).toContainText("planner");
  expect((await figures.textContent()) ?? "", "the projection after bin-pack 50 → 20 equals the one before").not.toBe(before);
}
