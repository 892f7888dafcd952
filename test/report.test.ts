import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DynamoDBClient, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { allocate } from "../app/chargeback/allocation.js";
import { FOCUS_COLUMNS, FOCUS_MANDATORY_COLUMNS, TABLE_WIDTH } from "../app/chargeback/report-render.js";
import { DEFAULT_SETTINGS, type ChargebackSettings } from "../app/chargeback/settings.js";
import { loadRateTable, priceAttempt } from "../app/pricing/price.js";
import { recordingPlan } from "../app/records/recording.js";
import { buildRunRecord } from "../app/records/run.js";
import type { RunCostInput } from "../app/records/run-input.js";
import { queryTotals } from "../app/store/chargeback-query.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { tableName } from "../app/store/table.js";
import { main } from "../app/cli/report.js";
import { renderReportHtml } from "../app/chargeback/report-render.js";
import { totalOf, viewRows, periodOf } from "../app/chargeback/report-model.js";
import { printRows, renderCsv } from "../app/cli/format.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { jobsFor, type JobSpec } from "./fixtures/jobs.js";

/** The report CLI against totals written with the same UpdateExpression the state machine uses. */
let embedded: Embedded;

const SETTINGS: ChargebackSettings = { ...DEFAULT_SETTINGS, costCenters: [{ name: "Hardware", repos: ["acme/gadgets"] }] };

function runInput(repo: string, runId: number, attempt: number, updatedAt: string, path: string, properties?: Record<string, string>): RunCostInput {
  return {
    installationId: 1,
    org: "Acme",
    repository: { fullName: `Acme/${repo}`, id: runId, visibility: "private", ...(properties ? { customProperties: properties } : {}) },
    run: { id: runId, attempt, name: "CI", path, event: "push", headBranch: "main", actor: "octocat", conclusion: "success", runStartedAt: null, updatedAt },
  };
}

/** Records one attempt with the machine's own transaction (run record and every aggregate). */
async function record(
  repo: string,
  runId: number,
  attempt: number,
  updatedAt: string,
  specs: JobSpec[],
  path = ".github/workflows/ci.yml",
  properties?: Record<string, string>,
): Promise<void> {
  const input = runInput(repo, runId, attempt, updatedAt, path, properties);
  const priced = priceAttempt(jobsFor(runId, attempt, updatedAt, specs), { visibility: "private", hostedRunners: [], rates: loadRateTable() });
  const rec = buildRunRecord(input, priced, "github", new Date(), allocate(input.repository.fullName, input.repository.customProperties, SETTINGS));
  const plan = recordingPlan(rec, tableName());
  const variant = attempt === 1 ? plan.firstOfRun : plan.repeatOfRun;
  await dynamoClient().send(new TransactWriteItemsCommand({ TransactItems: variant.items, ClientRequestToken: variant.token }));
}

class Buffer_ {
  text = "";
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

async function report(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Buffer_();
  const err = new Buffer_();
  const code = await main(argv, { out, err });
  return { code, out: out.text, err: err.text };
}

const ubuntu = (seconds: number): JobSpec => ({ labels: ["ubuntu-latest"], seconds });

beforeAll(async () => {
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  // widgets: 2 runs in Jan 2026 (one with a re-run) + 1 in Dec 2025; gadgets: Windows and macOS in Jan 2026.
  // Widgets is in "Web" by its custom property; gadgets in "Hardware" by rule; the small ones are unallocated.
  const web = { "cost-center": "Web" };
  await record("Widgets", 1, 1, "2026-01-10T10:00:00Z", [ubuntu(300)], ".github/workflows/ci.yml", web); // 5 min x 0.006
  await record("Widgets", 1, 2, "2026-01-10T11:00:00Z", [ubuntu(600)], ".github/workflows/ci.yml", web); // 10 min x 0.006
  await record("Widgets", 2, 1, "2025-12-31T10:00:00Z", [ubuntu(120)], ".github/workflows/nightly.yml", web); // 2 min x 0.008
  await record("gadgets", 3, 1, "2026-01-12T10:00:00Z", [
    { labels: ["windows-latest"], seconds: 60 },
    { labels: ["macos-14"], seconds: 61 },
    { labels: ["weird"], seconds: 240 },
  ]);
  for (let i = 0; i < 4; i++) await record(`small-${i}`, 10 + i, 1, "2026-01-05T10:00:00Z", [ubuntu(30)]);
  // Only unpriced minutes: its cost is "unpriced", never $0.00.
  await record("odd", 20, 1, "2026-01-06T10:00:00Z", [{ labels: ["weird"], seconds: 120 }]);
});

afterAll(async () => {
  await embedded.stop();
});

type Json = {
  org: string;
  period: string;
  generatedAt: string;
  view: string;
  rows: Array<Record<string, unknown>>;
  total: Record<string, unknown>;
  budgets: unknown[];
};

async function json(...argv: string[]): Promise<Json> {
  const { code, out, err } = await report(...argv, "--format", "json");
  expect({ code, err }).toEqual({ code: 0, err: "" });
  return JSON.parse(out) as Json;
}

function sum(rows: Array<Record<string, unknown>>, k: string): number {
  return rows.reduce((a, r) => a + (typeof r[k] === "number" ? (r[k] as number) : 0), 0);
}

describe("report", () => {
  it("json, by repository, all-time: org, period and generation time; rows dearest first; micro-dollars exact", async () => {
    const j = await json("--org", "acme");
    expect(j).toMatchObject({ org: "acme", period: "all time", view: "repo" });
    expect(Date.parse(j.generatedAt)).not.toBeNaN();
    expect(j.rows).toHaveLength(7);
    expect(j.rows[0]).toMatchObject({ repository: "Acme/gadgets", runs: 1, attempts: 1, minutes: 7, unpricedMinutes: 4, costUsd: 0.134, costMicros: 134_000 });
    expect(j.rows[0]!.bySku).toMatchObject({ macos: { minutes: 2, costMicros: 124_000 }, unknown: { minutes: 4, costMicros: 0, unpriced: true } });
    expect(j.rows[1]).toMatchObject({ repository: "Acme/Widgets", runs: 2, attempts: 3, minutes: 17, costUsd: 0.106, costMicros: 106_000 });
    expect(j.rows.find((r) => r.repository === "Acme/odd")).toMatchObject({ minutes: 2, unpricedMinutes: 2, costUsd: null, costMicros: 0 });
  });

  for (const by of ["repo", "cost-center", "workflow", "sku"]) {
    it(`--by ${by}: the total is the sum of the rows, in runs, minutes, micro-dollars and the cents shown`, async () => {
      for (const month of [[], ["--month", "2026-01"], ["--month", "2025-12"]]) {
        const j = await json("--org", "acme", "--by", by, ...month);
        for (const k of ["minutes", "unpricedMinutes", "costMicros"]) expect([by, k, j.total[k]]).toEqual([by, k, sum(j.rows, k)]);
        for (const k of ["runs", "attempts"]) expect([by, k, j.total[k]]).toEqual([by, k, by === "sku" ? null : sum(j.rows, k)]);
        // USD exact to the micro-dollar.
        for (const r of [...j.rows, j.total]) if (r.costUsd !== null) expect(Math.round((r.costUsd as number) * 1e6)).toBe(r.costMicros);
        // The table's cents add up to its total, the total rounded once from micro-dollars.
        const table = (await report("--org", "acme", "--by", by, ...month)).out;
        const cents = [...table.matchAll(/│\s*(\$\d+\.\d\d|unpriced)\s*│\n/g)].map((m) => (m[1] === "unpriced" ? 0 : Math.round(Number(m[1]!.slice(1)) * 100)));
        const shownTotal = cents.pop()!;
        if (j.rows.length) expect([by, month, cents.reduce((a, b) => a + b, 0)]).toEqual([by, month, shownTotal]);
        if (j.rows.length) expect(shownTotal).toBe(Math.floor(((j.total.costMicros as number) + 5000) / 10000));
      }
    });
  }

  it("the four views agree on the org's totals", async () => {
    const totals = await Promise.all(
      ["repo", "cost-center", "workflow", "sku"].map(async (by) => (await json("--org", "acme", "--month", "2026-01", "--by", by)).total),
    );
    for (const t of totals)
      expect({ minutes: t.minutes, costMicros: t.costMicros }).toEqual({ minutes: totals[0]!.minutes, costMicros: totals[0]!.costMicros });
    for (const t of totals.slice(0, 3)) expect({ runs: t.runs, attempts: t.attempts }).toEqual({ runs: totals[0]!.runs, attempts: totals[0]!.attempts });
  });

  it("--by cost-center: by custom property, by rule, else unallocated", async () => {
    const j = await json("--org", "acme", "--by", "cost-center");
    const cc = Object.fromEntries(j.rows.map((r) => [r.costCenter, r.costMicros]));
    expect(cc).toEqual({ Web: 106_000, Hardware: 134_000, unallocated: 4 * 6_000 });
  });

  it("--by workflow: one row per (repository, workflow file)", async () => {
    const j = await json("--org", "acme", "--by", "workflow");
    const widgets = j.rows.filter((r) => r.repository === "Acme/Widgets").map((r) => [r.workflow, r.runs, r.attempts, r.costMicros, r.costCenters]);
    expect(widgets.sort()).toEqual([
      [".github/workflows/ci.yml", 1, 2, 90_000, ["Web"]],
      [".github/workflows/nightly.yml", 1, 1, 16_000, ["Web"]],
    ]);
    expect(j.rows).toHaveLength(8);
  });

  it("--by sku: the SKU, GitHub's id and a readable name; the unrecognised runner is unpriced", async () => {
    const j = await json("--org", "acme", "--by", "sku", "--month", "2026-01");
    expect(j.rows.find((r) => r.sku === "linux_2_core")).toMatchObject({
      skuId: "actions_linux",
      skuName: "Linux 2-core",
      minutes: 19,
      costMicros: 114_000,
      runs: null,
    });
    expect(j.rows.find((r) => r.sku === "macos")).toMatchObject({ skuId: "actions_macos", skuName: "macOS (standard)" });
    expect(j.rows.find((r) => r.sku === "unknown")).toMatchObject({ minutes: 6, unpricedMinutes: 6, costUsd: null });
  });

  it("--month gives that UTC month only; an empty month says so", async () => {
    const dec = await json("--org", "acme", "--month", "2025-12");
    expect(dec.rows).toEqual([expect.objectContaining({ repository: "Acme/Widgets", runs: 1, attempts: 1, minutes: 2, costMicros: 16_000 })]);
    expect(dec).toMatchObject({ period: "2025-12", periodStart: "2025-12-01T00:00:00.000Z", periodEnd: "2026-01-01T00:00:00.000Z" });
    const jan = await json("--org", "acme", "--month", "2026-01");
    expect(jan.rows.find((r) => r.repository === "Acme/Widgets")).toMatchObject({ runs: 1, attempts: 2, costMicros: 90_000 });
    expect((await report("--org", "acme", "--month", "2024-01")).out).toContain("No totals recorded for acme, 2024-01.");
  });

  it("--repo reads one repository", async () => {
    const j = await json("--org", "ACME", "--repo", "acme/widgets");
    expect(j.rows).toEqual([expect.objectContaining({ repository: "Acme/Widgets", runs: 2, attempts: 3 })]);
    const wf = await json("--org", "acme", "--repo", "acme/widgets", "--by", "workflow", "--month", "2026-01");
    expect(wf.rows.map((r) => r.workflow)).toEqual([".github/workflows/ci.yml"]);
  });

  it("table: org, period, generation time, a total line, 'unpriced', and never wider than 120 columns", async () => {
    for (const by of ["repo", "cost-center", "workflow", "sku"]) {
      const { code, out } = await report("--org", "acme", "--by", by);
      expect(code).toBe(0);
      expect(out).toMatch(/^GitHub Actions chargeback: acme, all time, by /);
      expect(out).toMatch(/Generated \d{4}-\d{2}-\d{2}T/);
      expect(out).toMatch(/TOTAL/);
      for (const line of out.split("\n")) expect(line.length).toBeLessThanOrEqual(TABLE_WIDTH);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: an ANSI colour code starts with ESC.
      expect(out).not.toMatch(/\u001b\[/); // no colour codes in files or pipes
    }
    const repo = (await report("--org", "acme")).out;
    expect(repo).toMatch(/Acme\/odd.*unpriced/);
    expect(repo).toMatch(/TOTAL\s*│\s*8\s*│\s*9\s*│\s*30\s*│\s*6\s*│\s*\$0\.26/);
  });

  it("csv: the same columns whatever SKUs occur, org/period/generated-at on every line", async () => {
    const header = (out: string): string => out.split("\r\n")[0]!;
    const jan = (await report("--org", "acme", "--month", "2026-01", "--format", "csv")).out;
    const dec = (await report("--org", "acme", "--month", "2025-12", "--format", "csv")).out;
    expect(header(jan)).toBe("org,period,generated_at,view,repository,runs,attempts,minutes,unpriced_minutes,cost_usd,cost_micros");
    expect(header(dec)).toBe(header(jan));
    expect(jan).toMatch(/\r\nacme,2026-01,[^,]+,repo,Acme\/Widgets,1,2,15,0,0.09,90000\r\n/);
    expect(jan).toMatch(/\r\nacme,2026-01,[^,]+,repo,Acme\/gadgets,1,1,7,4,0.134,134000\r\n/);
    expect(jan).toMatch(/\r\nacme,2026-01,[^,]+,repo,Acme\/odd,1,1,2,2,,0\r\n/);
    const sku = (await report("--org", "acme", "--by", "sku", "--format", "csv")).out;
    expect(header(sku)).toBe("org,period,generated_at,view,sku,sku_id,sku_name,runs,attempts,minutes,unpriced_minutes,cost_usd,cost_micros");
  });

  it("focus: every mandatory FOCUS 1.4 column, one line per month, repository, workflow, cost centre and SKU, adding up", async () => {
    const { out } = await report("--org", "acme", "--format", "focus");
    const [head, ...lines] = out.trimEnd().split("\r\n");
    expect(head!.split(",")).toEqual([...FOCUS_COLUMNS]);
    for (const c of [...FOCUS_MANDATORY_COLUMNS, "SkuId", "ConsumedQuantity", "ConsumedUnit", "Tags"]) expect(head!.split(",")).toContain(c);
    const { parse } = await import("csv-parse/sync");
    const rows = parse(out, { columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(lines.length);
    const micros = rows.reduce((a, r) => a + Math.round(Number(r.BilledCost) * 1e6), 0);
    expect(micros).toBe((await json("--org", "acme")).total.costMicros as number);
    const nightly = rows.find((r) => r.ResourceName === ".github/workflows/nightly.yml")!;
    expect(nightly).toMatchObject({
      ChargePeriodStart: "2025-12-01T00:00:00Z",
      ChargePeriodEnd: "2026-01-01T00:00:00Z",
      BillingCurrency: "USD",
      ServiceName: "GitHub Actions",
      SkuId: "actions_linux",
      ConsumedQuantity: "2",
      ConsumedUnit: "Minutes",
      BilledCost: "0.016",
      ListUnitPrice: "0.008",
      ChargeCategory: "Usage",
      ServiceProviderName: "GitHub",
      HostProviderName: "GitHub",
    });
    expect(JSON.parse(nightly.Tags!)).toEqual({ repository: "Acme/Widgets", workflow: ".github/workflows/nightly.yml", costCenter: "Web" });
    expect(rows.find((r) => r.SkuId === "unknown")).toMatchObject({ BilledCost: "0", x_UnpricedMinutes: "4", ListUnitPrice: "" });
  });

  it("html: a chart and a table per view, every value escaped, nothing external", async () => {
    const { out } = await report("--org", "acme", "--format", "html", "--by", "workflow");
    expect(out).toMatch(/^<!DOCTYPE html>/);
    expect(out.match(/<section class="view"/g)).toHaveLength(4);
    expect(out.indexOf('id="view-workflow"')).toBeLessThan(out.indexOf('id="view-repo"'));
    expect(out.match(/<svg/g)!.length).toBeGreaterThanOrEqual(4);
    expect(out).not.toMatch(/<script|<link|\ssrc=|href=|@import|url\(/i);
    const rows = viewRows("repo", {
      repos: [
        {
          repository: `acme/<img src=x onerror="alert(1)">`,
          period: "ALL",
          runs: 1,
          attempts: 1,
          jobs: 1,
          minutes: 1,
          costMicros: 6000,
          unknownMinutes: 0,
          unknownLabels: [],
          bySku: { "<b>": { minutes: 1, costMicros: 6000 } },
        },
      ],
      costCenters: [],
      workflows: [],
    });
    const page = renderReportHtml([
      { org: "<acme>", period: periodOf(undefined), generatedAt: "x", view: "repo", rows, total: totalOf("repo", rows), budgets: [] },
    ]);
    expect(page).not.toContain("<img");
    expect(page).not.toContain("<b>");
    expect(page).toContain("acme/&lt;img src=x onerror=&quot;alert(1)&quot;&gt;");
    expect(page).toContain("&lt;acme&gt;");
  });

  it("bad flags: one line, exit 2, no stack trace", async () => {
    for (const argv of [
      [],
      ["--org", "acme", "--month", "2026-13"],
      ["--org", "acme", "--format", "pdf"],
      ["--org", "acme", "--by", "team"],
      ["--org", "acme", "--repo", "widgets"],
      ["--org", "acme", "--nope"],
      ["--org", "acme", "--repo", "other/widgets"],
      ["--org", "acme", "--config", "/nonexistent.yml"],
    ]) {
      const { code, out, err } = await report(...argv);
      expect({ argv, code }).toEqual({ argv, code: 2 });
      expect(out).toBe("");
      expect(err.trimEnd().split("\n")).toHaveLength(1);
      expect(err).toMatch(/^report: /);
      expect(err).not.toMatch(/\n\s+at /);
    }
  });

  it("--help explains the command and exits 0", async () => {
    const { code, out } = await report("--help");
    expect(code).toBe(0);
    expect(out).toContain("--month <yyyy-mm>");
    expect(out).toContain("--by <view>");
    expect(out).toContain("Without --month the figures are all-time");
  });
});

describe("totals queries", () => {
  it("use Query only (never Scan) and follow LastEvaluatedKey across pages", async () => {
    const sent: string[] = [];
    const db = new DynamoDBClient({});
    const send = db.send.bind(db);
    db.send = ((command: { constructor: { name: string } }) => {
      sent.push(command.constructor.name);
      return send(command as never);
    }) as typeof db.send;
    const rows = await queryTotals({ org: "acme", pageSize: 2 }, db);
    expect(rows).toHaveLength(7);
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sent)).toEqual(new Set(["QueryCommand"]));
    db.destroy();
  });
});

describe("format helpers", () => {
  const cols = [
    { key: "name", value: (r: { name: string; n: number }) => r.name },
    { key: "n", value: (r: { name: string; n: number }) => r.n },
  ];

  it("csv quotes separators and neutralises spreadsheet formulas, keeping negative numbers", () => {
    expect(
      renderCsv(
        [
          { name: 'a,"b"', n: -1 },
          { name: "=SUM(A1)", n: 2 },
        ],
        cols,
      ),
    ).toBe('name,n\r\n"a,""b""",-1\r\n\'=SUM(A1),2\r\n');
  });

  it("printRows renders the same columns as json", () => {
    let text = "";
    printRows([{ name: "x", n: 1 }], cols, "json", { write: (s: string) => (text += s) });
    expect(JSON.parse(text)).toEqual([{ name: "x", n: 1 }]);
  });
});
