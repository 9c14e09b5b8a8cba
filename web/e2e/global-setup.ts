// Start the real local stack (tests/e2e/serve_stack.py) on free ports and find the Chromium to drive.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { findChromium } from "./browser";

const HERE = fileURLToPath(new URL(".", import.meta.url));

const ROOT = resolve(HERE, "..", "..");
export const STATE_FILE = resolve(HERE, "..", "test-results", "stack.json");

export default async function globalSetup(): Promise<() => Promise<void>> {
  const browser = await findChromium();
  process.env.SPOTHIVE_CHROMIUM_PATH = browser.executablePath;
  process.env.SPOTHIVE_CHROMIUM_ARGS = JSON.stringify(browser.args);
  console.log(`chromium: ${browser.executablePath} (${browser.source})`);
  const python = process.env.SPOTHIVE_PYTHON ?? resolve(ROOT, ".venv", "bin", "python");
  const child = spawn(python, [resolve(ROOT, "tests", "e2e", "serve_stack.py")], { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"] });
  let log = "";
  child.stderr.on("data", (d: Buffer) => {
    log = (log + d.toString()).slice(-20000);
  });
  const info = await new Promise<Record<string, unknown>>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`the local stack did not start in 120 s:\n${log}`)), 120000);
    child.on("exit", (code) => fail(new Error(`the local stack exited (${code}):\n${log}`)));
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.startsWith("{")) {
        clearTimeout(timer);
        ok(JSON.parse(line) as Record<string, unknown>);
      }
    });
  });
  process.env.SPOTHIVE_E2E = JSON.stringify(info);
  mkdirSync(resolve(STATE_FILE, ".."), { recursive: true });
  writeFileSync(STATE_FILE, JSON.stringify(info));
  console.log(`local stack: ${String(info.api_url)}`);
  return async () => {
    child.stdin.end();
    await new Promise<void>((done) => {
      const kill = setTimeout(() => child.kill("SIGTERM"), 15000);
      child.on("exit", () => {
        clearTimeout(kill);
        done();
      });
    });
  };
}
