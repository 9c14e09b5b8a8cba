// Prints every built asset with its gzipped size and the first-load total (index.html's scripts and styles);
// exits non-zero when the first load exceeds the budget.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_KB = 500;
const dist = new URL("../dist/", import.meta.url).pathname;
const gz = (file) => gzipSync(readFileSync(join(dist, file)), { level: 9 }).length;
const assets = readdirSync(join(dist, "assets")).map((f) => `assets/${f}`);
const html = readFileSync(join(dist, "index.html"), "utf8");
const firstLoad = new Set([...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]));
const rows = assets.map((f) => ({ f, raw: readFileSync(join(dist, f)).length, gz: gz(f) })).sort((a, b) => b.gz - a.gz);
console.log("asset".padEnd(48), "raw kB".padStart(9), "gzip kB".padStart(9), " first load");
for (const r of rows) {
  console.log(r.f.padEnd(48), (r.raw / 1024).toFixed(1).padStart(9), (r.gz / 1024).toFixed(1).padStart(9), firstLoad.has(r.f) ? " *" : "");
}
const total = rows.filter((r) => firstLoad.has(r.f)).reduce((s, r) => s + r.gz, 0) + gzipSync(html).length;
const all = rows.reduce((s, r) => s + r.gz, 0);
console.log(`first load: ${(total / 1024).toFixed(1)} kB gzipped (budget ${BUDGET_KB} kB); all assets: ${(all / 1024).toFixed(1)} kB gzipped`);
if (total > BUDGET_KB * 1024) {
  console.error(`first load over budget by ${((total - BUDGET_KB * 1024) / 1024).toFixed(1)} kB`);
  process.exit(1);
}
