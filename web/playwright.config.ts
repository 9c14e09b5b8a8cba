import { defineConfig } from "@playwright/test";

// One worker, one stack: the journey's steps build on each other (sign up → link → … → export).
export default defineConfig({
  testDir: "e2e",
  outputDir: "test-results/artifacts",
  timeout: 120000,
  expect: { timeout: 20000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"], ["html", { outputFolder: "test-results/report", open: "never" }]],
  globalSetup: "./e2e/global-setup.ts",
  use: {
    baseURL: JSON.parse(process.env.SPOTHIVE_E2E ?? "{}").api_url,
    viewport: { width: 1366, height: 900 },
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: process.env.SPOTHIVE_CHROMIUM_PATH,
      args: JSON.parse(process.env.SPOTHIVE_CHROMIUM_ARGS ?? "[]"),
    },
  },
});
