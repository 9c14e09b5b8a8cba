// The Chromium the browser tests drive, never downloaded at run time: $SPOTHIVE_CHROMIUM, else the Debian
// package (CI installs it), else the build shipped inside the npm package @sparticuz/chromium.
import { existsSync } from "node:fs";

export interface Browser {
  executablePath: string;
  args: string[];
  source: string;
}

const SYSTEM = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium"];

export async function findChromium(): Promise<Browser> {
  const configured = process.env.SPOTHIVE_CHROMIUM;
  if (configured && existsSync(configured)) return { executablePath: configured, args: ["--no-sandbox"], source: "SPOTHIVE_CHROMIUM" };
  const system = SYSTEM.find((p) => existsSync(p));
  if (system) return { executablePath: system, args: ["--no-sandbox", "--disable-dev-shm-usage"], source: "system package" };
  const { default: chromium } = await import("@sparticuz/chromium");
  return { executablePath: await chromium.executablePath(), args: chromium.args, source: "@sparticuz/chromium" };
}
