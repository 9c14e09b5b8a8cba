// The customer journey in a real Chromium against the real local stack (moto, Redis, the API, the workers):
// sign up → link → verify → the demo cluster and its spend → hibernation painted and read back through the API →
// a policy change (and its stale-edit conflict) → an audit diff → an export whose checksum is recomputed here.
// Also: the scan followed over the discovery stream, cluster SAFE_MODE around approving a preview, the weekly
// report opt-out, right-sizing, and the Lab's live switch (a dry run) and A/B form for a super admin.
// Every screen is written to test-results/screens/ as a PNG.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type APIRequestContext, type Page } from "@playwright/test";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const stack = JSON.parse(process.env.SPOTHIVE_E2E ?? "{}") as {
  api_url: string;
  role_arn: string;
  aws_account_id: string;
  snapshot_file: string;
  admin: { email: string; password: string };
};
const SCREENS = resolve(HERE, "..", "test-results", "screens");
mkdirSync(SCREENS, { recursive: true });
const EMAIL = `e2e-${Date.now()}@acme.example`;
const PASSWORD = "E2e-Password-2026!";

test.describe.configure({ mode: "serial" });

let page: Page;
let clusterId = "";
let orgId = "";

/** The demo cluster's nodes as the stack seeded them (instance ids are the nodes' provider ids). */
function seededNodes(): { provider_id: string; capacity_type: string; instance_type: string }[] {
  return (JSON.parse(readFileSync(stack.snapshot_file, "utf-8")) as { nodes: { provider_id: string; capacity_type: string; instance_type: string }[] }).nodes;
}

/** Screenshot the screen, and check it against WCAG 2 A/AA with axe (labels, contrast, roles, keyboard). */
async function shot(name: string, a11y = true) {
  await page.screenshot({ path: resolve(SCREENS, `${name}.png`), fullPage: true });
  if (!a11y) return;
  const result = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  const serious = result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")})`);
  expect(serious, `accessibility of ${name}`).toEqual([]);
}

async function token(): Promise<string> {
  return (await page.evaluate(() => sessionStorage.getItem("spothive.token"))) ?? "";
}

/** Call the API as the signed-in user, outside the browser, to check what the console stored. */
async function apiCall(request: APIRequestContext, method: "GET" | "PUT" | "PATCH", path: string, data?: unknown) {
  const response = await request.fetch(`${stack.api_url}${path}`, { method, data, headers: { Authorization: `Bearer ${await token()}` } });
  expect(response.status(), `${method} ${path}: ${await response.text()}`).toBeLessThan(300);
  return response.json();
}

test.beforeAll(async ({ browser }) => {
  page = await (await browser.newContext()).newPage();
});

test.afterAll(async () => {
  await page.context().close();
});

test("sign up lands on onboarding (AuthGateway routes a pending account)", async () => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
  await shot("01-login");
  await page.getByRole("tab", { name: "Sign up" }).click();
  await page.getByLabel("Organization").fill("Acme E2E");
  await page.getByLabel("Email").fill(EMAIL);
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Create account" }).click();
  // the API names the bad field and the form shows it beside that field
  await expect(page.locator("#password-err")).toBeVisible();
  await shot("02-signup-error");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/onboarding$/);
  await expect(page.getByRole("heading", { name: "Connect AWS" })).toBeVisible();
});

test("link and verify the account, watch the scan finish", async () => {
  await page.getByRole("button", { name: "Link an AWS account" }).click();
  const externalId = (await page.getByTestId("external-id").textContent()) ?? "";
  expect(externalId.length).toBeGreaterThan(8);
  await expect(page.getByRole("link", { name: /quick-create/ })).toHaveAttribute("href", /cloudformation.*ExternalId|externalId|external/i);
  await page.getByLabel(/Role ARN/).fill(stack.role_arn);
  await shot("03-onboarding-link");
  await page.getByRole("button", { name: "Verify" }).click();
  await expect(page.getByRole("progressbar")).toHaveAttribute("aria-valuetext", "Scan complete", { timeout: 90000 });
  await expect(page.getByText(/Found 1 cluster/)).toBeVisible();
  // the bar followed the discovery stream (WebSocket), not the polling fallback
  await expect(page.getByTestId("scan-transport")).toHaveText("followed live over the discovery stream");
  await shot("04-onboarding-scanned");
});

test("the dashboard shows the demo cluster and its spend", async ({ request }) => {
  await page.getByRole("link", { name: /See your spend/ }).click();
  await expect(page).toHaveURL(/\/dashboard/);
  const kpi = await apiCall(request, "GET", "/api/metrics/kpi");
  expect(kpi.monthly_spend).toBeGreaterThan(1000);
  const shown = `$${Math.floor(kpi.monthly_spend).toLocaleString("en-US")}`;
  await expect(page.getByTestId("kpi-spend")).toContainText(shown);
  await expect(page.getByRole("heading", { name: /Savings projection · acme-prod/ })).toBeVisible();
  await expect(page.getByTestId("projection-figures")).toContainText("estimated");
  const clusters = await apiCall(request, "GET", "/api/client/clusters");
  clusterId = clusters.clusters[0].cluster_id;
  orgId = (await apiCall(request, "GET", "/api/auth/me")).org_id;
  // the organization's SAFE_MODE sits in the header, off until someone turns it on
  await expect(page.getByTestId("safe-mode-tenant").getByTestId("safe-mode-effective")).toHaveText(/Effective: off/);
  expect(clusters.clusters[0].nodes).toBe(20);
  await shot("05-dashboard");
  // a small laptop: the layout reflows, nothing scrolls sideways
  await page.setViewportSize({ width: 1024, height: 768 });
  // the charts re-measure after the resize: wait for the reflow rather than reading it mid-way
  await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 15000 })
    .toBeLessThanOrEqual(1024);
  await shot("05-dashboard-1024", false);
  await page.setViewportSize({ width: 1366, height: 900 });
});

test("the cluster registry: heartbeat, Helm command, Optimize Now preview", async () => {
  await page.getByRole("link", { name: "Clusters" }).click();
  await expect(page.getByRole("cell", { name: /acme-prod/ })).toBeVisible();
  await expect(page.getByRole("img", { name: "no agent yet" })).toBeVisible();
  await page.getByRole("button", { name: "Manage" }).click();
  await page.getByRole("button", { name: "Connect agent" }).click();
  await expect(page.getByTestId("helm-command")).toContainText("helm");
  await page.getByRole("button", { name: "Optimize now" }).click();
  await expect(page.getByText(/Job .* \(preview, dry run\)/)).toBeVisible();
  // the dry run decides without an agent: every action with its reason, the blocked ones with why
  await expect(page.locator(".job .pill")).toHaveText("succeeded", { timeout: 90000 });
  await expect(page.getByText(/\d+ action\(s\) SpotHive would take/)).toBeVisible();
  await shot("06-clusters");
});

test("cluster SAFE_MODE on, approve the preview and watch the run; SAFE_MODE off only after a confirm", async ({ request }) => {
  const safe = page.getByTestId("safe-mode-cluster");
  const toggle = safe.getByRole("switch", { name: "SAFE_MODE for acme-prod" });
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  await safe.getByLabel(/Reason/).fill("journey: approve without touching the cluster");
  await toggle.click();
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await expect(safe.getByTestId("safe-mode-effective")).toHaveText(/Effective: on/);
  await expect(safe.getByTestId("safe-mode-setter")).toContainText(`turned on by you (${EMAIL})`);
  await expect(safe.getByTestId("safe-mode-setter")).toContainText("journey: approve without touching the cluster");
  // approving carries out exactly the preview: under SAFE_MODE every action is a recorded dry run
  await page.getByRole("button", { name: "Approve this preview" }).click();
  await expect(page.getByText(/Job .* \(approved run\)/)).toBeVisible();
  await expect(page.locator(".job .pill")).toHaveText("succeeded", { timeout: 90000 });
  await expect(page.getByTestId("execution-mode")).toContainText("recorded as a dry run");
  await shot("06b-clusters-approved");
  // turning it off asks first; keeping it on changes nothing
  await toggle.click();
  await expect(safe.getByRole("alertdialog")).toContainText("Turn SAFE_MODE off for acme-prod?");
  await safe.getByRole("button", { name: "Keep it on" }).click();
  await expect(toggle).toHaveAttribute("aria-checked", "true");
  await toggle.click();
  await safe.getByRole("button", { name: "Turn SAFE_MODE off" }).click();
  await expect(toggle).toHaveAttribute("aria-checked", "false");
  const stored = await apiCall(request, "GET", `/api/clusters/${clusterId}/safe-mode`);
  expect([stored.on, stored.levels.cluster]).toEqual([false, false]);
});

test("paint a hibernation schedule by drag and keyboard, read it back through the API", async ({ request }) => {
  await page.getByRole("link", { name: "Hibernation" }).click();
  await expect(page.getByRole("grid")).toBeVisible();
  await expect(page.getByTestId("next-transition")).toContainText("no schedule yet");
  // Mon 00:00 … Fri 07:00 asleep by a click-and-drag over the rectangle
  const from = await page.locator('[data-cell="0"]').boundingBox();
  const to = await page.locator(`[data-cell="${4 * 24 + 7}"]`).boundingBox();
  await page.mouse.move(from!.x + from!.width / 2, from!.y + from!.height / 2);
  await page.mouse.down();
  await page.mouse.move(to!.x + to!.width / 2, to!.y + to!.height / 2, { steps: 12 });
  await page.mouse.up();
  // Saturday 12:00 asleep with the keyboard: focus, arrows, Space
  await page.locator('[data-cell="0"]').focus();
  for (let i = 0; i < 5; i++) await page.keyboard.press("ArrowDown");
  for (let i = 0; i < 12; i++) await page.keyboard.press("ArrowRight");
  await page.keyboard.press(" ");
  await expect(page.locator(`[data-cell="${5 * 24 + 12}"]`)).toHaveAttribute("aria-selected", "false");
  await page.getByLabel("Timezone").selectOption("Europe/Berlin");
  await page.getByRole("button", { name: "Save schedule" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Schedule saved" })).toBeVisible();
  await expect(page.getByTestId("next-transition")).not.toContainText("no schedule");
  const stored = await apiCall(request, "GET", `/api/hibernation/${clusterId}`);
  const expected = Array.from({ length: 168 }, (_, i) => (Math.floor(i / 24) < 5 && i % 24 < 8 ? 0 : 1));
  expected[5 * 24 + 12] = 0;
  expect(stored.schedule_matrix).toEqual(expected);
  expect(stored.timezone).toBe("Europe/Berlin");
  await shot("07-hibernation");
});

test("node templates: live validation warns about g4dn on ARM64", async () => {
  await page.getByRole("link", { name: "Node templates" }).click();
  await expect(page.getByText("No templates yet")).toBeVisible();
  await page.getByRole("link", { name: "New template" }).click();
  await page.getByLabel("Name").fill("gpu-arm");
  await page.getByLabel("Instance families").fill("g4dn");
  await page.getByRole("checkbox", { name: "amd64" }).uncheck();
  await page.getByRole("checkbox", { name: "arm64" }).check();
  await expect(page.locator(".validation")).toContainText(/g4dn/);
  await shot("08-template-wizard");
  await page.getByLabel("Instance families").fill("m6g, c6g");
  await expect(page.locator(".validation")).toContainText("Compatible");
  await page.getByRole("button", { name: "Create template" }).click();
  await expect(page.getByRole("article", { name: "Template gpu-arm" })).toBeVisible();
  await page.getByRole("button", { name: "Make gpu-arm the default" }).click();
  await expect(page.getByRole("button", { name: "gpu-arm is the default" })).toBeVisible();
  await shot("09-templates");
});

test("a policy change is saved with its version; a stale edit shows the conflict", async ({ request }) => {
  await page.getByRole("link", { name: "Policies" }).click();
  await expect(page.getByTestId("policy-version")).toContainText("Version 0");
  await page.getByLabel(/Aggressiveness/).focus();
  await page.keyboard.press("End");
  await expect(page.getByLabel(/Aggressiveness/)).toHaveValue("80");
  await page.getByRole("button", { name: "Save bin-packing" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Bin-packing saved (version 1)" })).toBeVisible();
  // someone else changes the policy behind this page's back
  await apiCall(request, "PATCH", "/api/policies/fallback", { cluster_id: clusterId, expected_version: 1, enabled: false });
  await page.getByRole("textbox", { name: "Never touch pods in" }).fill("monitoring");
  await page.keyboard.press("Enter");
  await page.getByRole("button", { name: "Save exclusions" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "Someone else changed this policy" })).toBeVisible();
  await shot("10-policies-conflict");
  await page.getByRole("button", { name: "Reload the latest version" }).click();
  await expect(page.getByTestId("policy-version")).toContainText("Version 2");
  await shot("11-policies");
});

test("open an audit diff, export the ledger and recompute its checksum", async ({ request }) => {
  await page.getByRole("link", { name: "Audit log" }).click();
  await expect(page.getByTestId("chain-status")).toContainText("Chain intact");
  await page.getByLabel("action").fill("policy.binpack.update");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.getByRole("button", { name: /Show changes of record .* \(policy\.binpack\.update\)/ }).first().click();
  const drawer = page.getByRole("dialog");
  await expect(drawer.getByRole("table", { name: "Field changes" })).toContainText("aggressiveness");
  await expect(drawer.locator("tr", { hasText: "aggressiveness" })).toContainText("80");
  await shot("12-audit-diff");
  await page.keyboard.press("Escape");
  await expect(drawer).toBeHidden();
  await page.getByRole("button", { name: "Clear" }).click();
  await page.getByRole("button", { name: "Export" }).click();
  const checksum = ((await page.getByTestId("export-checksum").textContent()) ?? "").trim();
  expect(checksum).toMatch(/^[0-9a-f]{64}$/);
  // the download the console offers: a presigned S3 link (moto locally), or a file:// path without a bucket
  const link = page.getByTestId("export-url");
  const href = (await link.getAttribute("href")) ?? ((await link.textContent()) ?? "").trim();
  const bytes = href.startsWith("file://") ? readFileSync(fileURLToPath(href)) : await (await request.get(href)).body();
  expect(bytes.length).toBeGreaterThan(0);
  expect(createHash("sha256").update(bytes).digest("hex")).toBe(checksum);
  await shot("13-audit");
});

test("opt out of the weekly report, read it back through the API", async ({ request }) => {
  await page.getByRole("link", { name: "Settings" }).click();
  const weekly = page.getByRole("checkbox", { name: "Send me the weekly report" });
  await expect(weekly).toBeChecked();
  await weekly.uncheck();
  await expect(page.getByRole("status").filter({ hasText: "no longer receive the weekly report" })).toBeVisible();
  expect((await apiCall(request, "GET", "/api/auth/me/settings")).weekly_report).toBe(false);
  await shot("14a-settings");
});

test("right-sizing: the cluster's nodes, a lookup of a real instance, and a bad id named beside its field", async () => {
  await page.getByRole("link", { name: "Right-sizing" }).click();
  await expect(page.getByRole("heading", { name: "Cluster nodes · acme-prod" })).toBeVisible();
  await expect(page.getByText(/No right-sizing for acme-prod now|node\(s\) fit a cheaper type/)).toBeVisible();
  // the Workloads tab: the agent's usage history per workload (or why there is none yet)
  await page.getByRole("tab", { name: "Workloads" }).click();
  await expect(page.getByText(/No workload usage for acme-prod yet|Re-packed with the confident recommendations|No snapshot of the cluster's pods yet/)).toBeVisible();
  await page.getByRole("tab", { name: "Nodes" }).click();
  await page.getByLabel("Instance id").fill("web-1");
  await page.getByRole("button", { name: "Recommend" }).click();
  await expect(page.locator("#instance-id-err")).toContainText("looks like i-");
  const node = seededNodes()[0];
  await page.getByLabel("Instance id").fill(node.provider_id);
  await page.getByRole("button", { name: "Recommend" }).click();
  const result = page.getByTestId("rightsizing-result");
  await expect(result).toContainText(node.provider_id);
  await expect(result).toContainText(node.instance_type);
  await expect(result).toContainText(/of 14 days sampled/);
  await shot("14b-rightsizing");
});

test("the admin screens for a super admin", async () => {
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByLabel("Email").fill(stack.admin.email);
  await page.getByLabel("Password").fill(stack.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("link", { name: "The Lab" })).toBeVisible();
  await page.getByRole("link", { name: "Admin", exact: true }).click();
  await expect(page.getByRole("heading", { name: "Risk models" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Impersonate" }).first()).toBeVisible();
  await shot("14-admin");
  // impersonate a client: its dashboard under a banner, then stop (the token is revoked)
  await page.getByRole("button", { name: "Impersonate" }).first().click();
  await page.getByLabel("Reason").fill("journey: checking what the client sees");
  await page.getByRole("button", { name: "Start" }).click();
  await expect(page.getByText(/Impersonating/)).toBeVisible();
  await page.getByRole("button", { name: "Stop impersonating" }).click();
  await expect(page.getByRole("heading", { name: "Risk models" })).toBeVisible();
  await page.getByRole("link", { name: "System health" }).click();
  await expect(page.getByRole("img", { name: "API ok" })).toBeVisible();
  await expect(page.getByRole("img", { name: /worker-discovery (green|yellow|red)/ })).toBeVisible();
  await shot("15-health");
  await page.getByRole("link", { name: "The Lab" }).click();
  await expect(page.getByRole("heading", { name: "Registry" })).toBeVisible();
  await shot("16-lab");
});

test("the Lab: a live switch dry run followed step by step; the A/B form names a bad field", async () => {
  const node = seededNodes().find((n) => n.capacity_type === "on-demand")!;
  const live = page.getByRole("form", { name: "Start a live switch" });
  await live.getByLabel("Client org id").fill(orgId);
  await live.getByLabel("On-Demand instance").fill(node.provider_id);
  await expect(live.getByRole("checkbox", { name: /Dry run/ })).toBeChecked();
  await live.getByRole("button", { name: "Start a dry run" }).click();
  const telemetry = page.getByTestId("live-switch-telemetry");
  await expect(telemetry.getByTestId("experiment-status")).toHaveText(/dry run: nothing changed|failed|rolled back/, { timeout: 90000 });
  await expect(telemetry.getByRole("table", { name: "Live switch steps" })).toContainText("prepare");
  await shot("16b-lab-live-switch");
  // the A/B form: two arms on the same instance are refused before anything is sent
  const ab = page.getByRole("form", { name: "Configure an A/B test" });
  await ab.getByLabel("Instance A").fill(node.provider_id);
  await ab.getByLabel("Instance B").fill(node.provider_id);
  await expect(ab.getByText("The two arms need two instances.")).toBeVisible();
  await expect(ab.getByRole("button", { name: "Start the A/B test" })).toBeDisabled();
});

test("the API docs render from local assets", async () => {
  await page.goto("/api/docs");
  // Swagger UI lays out the whole document before its heading shows: slow on a loaded machine
  await expect(page.getByRole("heading", { name: /SpotHive API/ })).toBeVisible({ timeout: 60000 });
  await expect(page.getByText("/api/auth/signup").first()).toBeVisible();
  await shot("17-api-docs", false); // Swagger UI's own page
});
