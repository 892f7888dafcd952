// Every label of GitHub's runner-images table (a dated copy in test/fixtures) resolves to a priced SKU: a new label
// family then fails this test, not a bill.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { loadRateTable, priceAttempt, rateFor } from "../app/pricing/price.js";
import { resolveSku } from "../app/pricing/sku.js";
import type { JobInput } from "../app/pricing/types.js";

const TABLE = readFileSync(new URL("./fixtures/runner-images-2026-08-21.md", import.meta.url), "utf8");
const RATES = loadRateTable();

interface Row {
  image: string;
  arch: string;
  labels: string[];
}

function rows(): Row[] {
  return TABLE.split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| Image"))
    .map((l) => {
      const [image = "", arch = "", labels = ""] = l
        .slice(1, -1)
        .split("|")
        .map((c) => c.trim());
      return { image, arch, labels: [...labels.matchAll(/`([^`]+)`/g)].map((m) => m[1]!) };
    });
}

// What GitHub's pricing page says each image is, from the image's OS and architecture alone (independent of the
// label grammar in app/pricing/sku.ts): macOS images are macos, with -large (Intel 12-core) and -xlarge (M-series)
// as the larger runners.
function expectedSku(row: Row, label: string): string {
  if (/^ubuntu slim/i.test(row.image)) return "linux_slim";
  if (/^ubuntu/i.test(row.image)) return row.arch === "arm64" ? "linux_arm" : "linux_2_core";
  if (/^windows/i.test(row.image)) return row.arch === "arm64" ? "windows_arm" : "windows_2_core";
  if (/^(macos|xcode)/i.test(row.image)) return label.endsWith("-xlarge") ? "macos_xl" : label.endsWith("-large") ? "macos_l" : "macos";
  throw new Error(`an image family the test does not know: ${row.image}`);
}

describe("GitHub's runner-images label table (2026-08-21)", () => {
  const all = rows().flatMap((row) => row.labels.map((label) => [label, row] as const));

  it("the copy has the images of late 2026", () => {
    expect(all.length).toBeGreaterThanOrEqual(25);
    expect(all.map(([l]) => l)).toEqual(expect.arrayContaining(["xcode-27", "xcode-27-xlarge", "windows-11-vs2026-arm", "ubuntu-26.04-arm", "macos-26-intel"]));
  });

  it.each(all)("%s resolves to its image's SKU, with a 2026 rate", (label, row) => {
    const resolved = resolveSku([label], []);
    expect(resolved.unknown).toBe(false);
    expect(resolved.sku).toBe(expectedSku(row, label));
    expect(resolved.larger).toBe(/-(x)?large$/.test(label));
    expect(rateFor(RATES, resolved.sku, "2026-06-01T00:00:00Z")).toEqual(expect.any(Number));
  });

  it("the issue's run: xcode-27 for 5 min and xcode-27-xlarge for 3 min are priced, none unpriced", () => {
    const job = (id: number, labels: string[], minutes: number): JobInput => ({
      id,
      status: "completed",
      conclusion: "success",
      started_at: "2026-11-02T10:00:00Z",
      completed_at: new Date(Date.parse("2026-11-02T10:00:00Z") + minutes * 60_000).toISOString(),
      labels,
    });
    const a = priceAttempt([job(1, ["xcode-27"], 5), job(2, ["xcode-27-xlarge"], 3), job(3, ["windows-11-vs2026-arm"], 4)], {
      visibility: "private",
      hostedRunners: [],
      rates: RATES,
    });
    expect(a.unknownMinutes).toBe(0);
    // macos $0.062, macos_xl $0.102, windows_arm $0.010 a minute (2026 table)
    expect(a.costMicros).toBe(5 * 62_000 + 3 * 102_000 + 4 * 10_000);
  });

  it.each(["xcode-27-intel", "xcode-latest", "xcode-2", "xcode-27-arm", "windows-11-vs2026-arm64", "windows-11-vs26-arm"])(
    "look-alike %s stays unknown",
    (label) => {
      expect(resolveSku([label], []).unknown).toBe(true);
    },
  );
});
