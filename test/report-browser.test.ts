import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { allocate } from "../app/chargeback/allocation.js";
import { DEFAULT_SETTINGS, type ChargebackSettings } from "../app/chargeback/settings.js";
import { main } from "../app/cli/report.js";
import { loadRateTable, priceAttempt } from "../app/pricing/price.js";
import { recordingPlan } from "../app/records/recording.js";
import { buildRunRecord } from "../app/records/run.js";
import type { RunCostInput } from "../app/records/run-input.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { tableName } from "../app/store/table.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { jobsFor, type JobSpec } from "./fixtures/jobs.js";

/**
 * The html report in a real headless browser (Debian's chromium, driven by playwright-core): every view has a chart
 * that really renders, the tables add up, the budgets show, and the page loads nothing and runs no script.
 * Without chromium the test is skipped with a message, except in CI (CI=true), where .ci/run installs it.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available && !process.env.CI) {
  process.stderr.write(
    `report-browser.test.ts: SKIPPED: no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH); CI installs it and never skips\n`,
  );
}
const maybe = available || process.env.CI ? describe : describe.skip;

let embedded: Embedded;
const dir = mkdtempSync(join(tmpdir(), "report-browser-"));
const SETTINGS: ChargebackSettings = { ...DEFAULT_SETTINGS, costCenters: [{ name: "Platform", repos: ["acme/infra-*"] }] };

async function record(repo: string, runId: number, at: string, specs: JobSpec[], path: string, properties?: Record<string, string>): Promise<void> {
  const input: RunCostInput = {
    installationId: 1,
    org: "acme",
    repository: { fullName: `acme/${repo}`, id: runId, visibility: "private", ...(properties ? { customProperties: properties } : {}) },
    run: {
      id: runId,
      attempt: 1,
      name: "CI",
      path,
      event: "push",
      headBranch: "main",
      actor: "octocat",
      conclusion: "success",
      runStartedAt: null,
      updatedAt: at,
    },
  };
  const priced = priceAttempt(jobsFor(runId, 1, at, specs), { visibility: "private", hostedRunners: [], rates: loadRateTable() });
  const plan = recordingPlan(
    buildRunRecord(input, priced, "github", new Date(), allocate(input.repository.fullName, input.repository.customProperties, SETTINGS)),
    tableName(),
  );
  await dynamoClient().send(new TransactWriteItemsCommand({ TransactItems: plan.firstOfRun.items, ClientRequestToken: plan.firstOfRun.token }));
}

const ubuntu = (minutes: number): JobSpec[] => [{ labels: ["ubuntu-latest"], seconds: minutes * 60 }];

maybe("html report in headless chromium", () => {
  let html = "";

  beforeAll(async () => {
    embedded = await startEmbedded({ retryIntervalMs: 0 });
    await record("infra-net", 1, "2026-05-03T10:00:00Z", ubuntu(100), ".github/workflows/deploy.yml");
    await record("infra-net", 2, "2026-05-04T10:00:00Z", [{ labels: ["macos-14"], seconds: 600 }], ".github/workflows/ci.yml");
    await record("shop", 3, "2026-05-05T10:00:00Z", ubuntu(33), ".github/workflows/ci.yml", { "cost-center": "Retail <&> Co" });
    await record("odd", 4, "2026-05-06T10:00:00Z", [{ labels: ["mystery"], seconds: 120 }], ".github/workflows/x.yml");
    const config = join(dir, "chargeback.yml");
    writeFileSync(
      config,
      "costCenters:\n  Platform:\n    repos: ['acme/infra-*']\nbudgets:\n  - scope: org\n    monthlyUsd: 1\n  - scope: cost-center:Platform\n    monthlyUsd: 50\n",
    );
    let out = "";
    const code = await main(["--org", "acme", "--month", "2026-05", "--format", "html", "--by", "cost-center", "--config", config], {
      out: { write: (s: string) => (out += s) },
      err: { write: () => true },
    });
    expect(code).toBe(0);
    html = out;
  });

  afterAll(async () => {
    await embedded?.stop();
  });

  it("renders a chart per view and the budgets; tables add up; nothing loaded, no script, no error", async () => {
    const file = join(dir, "report.html");
    writeFileSync(file, html);
    const { chromium } = await import("playwright-core");
    // A fresh profile each run (playwright passes it as --user-data-dir).
    const browser = await chromium.launchPersistentContext(mkdtempSync(join(dir, "profile-")), {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
      });
      page.on("pageerror", (e) => problems.push(String(e)));
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(file).href, { waitUntil: "load" });

      expect(await page.title()).toBe("GitHub Actions chargeback: acme, 2026-05");
      const meta = await page.locator("#meta").evaluate((e) => ({
        org: e.getAttribute("data-org"),
        period: e.getAttribute("data-period"),
        at: e.getAttribute("data-generated-at"),
        text: e.textContent,
      }));
      expect(meta).toMatchObject({ org: "acme", period: "2026-05" });
      expect(Date.parse(meta.at!)).not.toBeNaN();

      const views = await page.locator("section.view").evaluateAll((sections) =>
        sections.map((s) => {
          const svg = s.querySelector("svg.chart");
          const box = svg?.getBoundingClientRect();
          const bars = [...s.querySelectorAll("rect.bar")].map((r) => ({
            micros: Number(r.getAttribute("data-micros")),
            width: r.getBoundingClientRect().width,
          }));
          const cents = (row: { querySelector(s: string): { textContent: string | null } | null }): number => {
            const cell = row.querySelector("td:last-child")!.textContent!;
            return cell === "unpriced" ? 0 : Math.round(Number(cell.replace("$", "")) * 100);
          };
          return {
            view: s.getAttribute("data-view"),
            chart: box ? { width: box.width, height: box.height } : null,
            bars,
            rowCents: [...s.querySelectorAll("tr.row")].map(cents),
            totalCents: cents(s.querySelector("tr.total")!),
          };
        }),
      );
      expect(views.map((v) => v.view)).toEqual(["cost-center", "repo", "workflow", "sku"]);
      for (const v of views) {
        expect(v.chart!.width).toBeGreaterThan(300);
        expect(v.chart!.height).toBeGreaterThan(10);
        expect(v.bars.length).toBe(v.rowCents.length);
        // The dearest row has the longest bar, and bars are in proportion (to a pixel).
        const max = Math.max(...v.bars.map((b) => b.micros));
        const widest = Math.max(...v.bars.map((b) => b.width));
        for (const b of v.bars) expect(Math.abs(b.width - (b.micros / max) * widest)).toBeLessThanOrEqual(2);
        expect(v.totalCents).toBe(v.rowCents.reduce((a, b) => a + b, 0));
      }
      // 100 min x $0.006 + 10 min x $0.062 + 33 min x $0.006 = $1.418: org budget $1 crossed.
      expect(views[0]!.totalCents).toBe(142);
      expect(await page.locator("section.view#view-cost-center table").textContent()).toContain("Retail <&> Co");
      expect(await page.locator("section.view#view-repo table").textContent()).toContain("unpriced");

      const budgets = await page.locator("#budgets g.budget").evaluateAll((gs) =>
        gs.map((g) => ({
          mtd: g.querySelector("rect.mtd")!.getBoundingClientRect().width,
          over: g.querySelector("rect.mtd")!.classList.contains("over"),
          ticks: g.querySelectorAll("line.tick").length,
        })),
      );
      expect(budgets).toHaveLength(2);
      expect(budgets[0]).toMatchObject({ over: true, ticks: 3 });
      expect(budgets[0]!.mtd).toBeGreaterThan(0);
      expect(await page.locator("#budgets tr.budget-row").first().textContent()).toContain("$1.42");

      expect(await page.locator("script").count()).toBe(0);
      expect(requests.filter((u) => !u.startsWith("file:"))).toEqual([]);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
