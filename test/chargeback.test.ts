import { describe, expect, it } from "@jest/globals";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { allocate, sanitiseProperties, workflowFile } from "../app/chargeback/allocation.js";
import { budgetChecks, decideAlerts, forecastMicros, reachedThresholds, thresholdMicros } from "../app/chargeback/budgets.js";
import { allocateCents, centsOf, totalOf, viewRows } from "../app/chargeback/report-model.js";
import { DEFAULT_SETTINGS, type ChargebackSettings } from "../app/chargeback/settings.js";
import { parseChargebackConfig } from "../app/config/chargeback.js";
import { formatProblem } from "../app/config/schema.js";
import { totalsFromRuns } from "../app/records/rebuild.js";
import type { RunRecord } from "../app/records/run.js";

const SETTINGS: ChargebackSettings = {
  costCenterProperty: "cost-center",
  costCenters: [
    { name: "platform", repos: ["acme/infra-*", "acme/deploy"] },
    { name: "web", repos: ["acme/*"] },
  ],
  budgets: [],
};

describe("allocation", () => {
  it("custom property first, then the first matching rule (case-insensitive globs over owner/name), else unallocated", () => {
    expect(allocate("acme/api", { "cost-center": "Payments" }, SETTINGS)).toEqual({ costCenter: "Payments", by: "property" });
    expect(allocate("acme/api", { "Cost-Center": ["  Payments ", "x"] }, SETTINGS)).toEqual({ costCenter: "Payments", by: "property" });
    expect(allocate("Acme/Infra-Net", undefined, SETTINGS)).toEqual({ costCenter: "platform", by: "rule" });
    expect(allocate("acme/deploy", { "cost-center": "" }, SETTINGS)).toEqual({ costCenter: "platform", by: "rule" });
    expect(allocate("acme/site", { "cost-center": null }, SETTINGS)).toEqual({ costCenter: "web", by: "rule" });
    expect(allocate("other/site", {}, SETTINGS)).toEqual({ costCenter: "unallocated", by: "none" });
    expect(allocate("acme/api", { team: "x" }, { ...SETTINGS, costCenterProperty: "team" })).toEqual({ costCenter: "x", by: "property" });
  });

  it("payload properties are kept only as strings or lists of strings, capped", () => {
    expect(sanitiseProperties({ a: "x", b: ["y", 1], c: null, d: 5, e: { f: 1 } })).toEqual({ a: "x", b: ["y"], c: null });
    expect(sanitiseProperties(null)).toBeUndefined();
    expect(sanitiseProperties([])).toBeUndefined();
    expect(Object.keys(sanitiseProperties(Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`p${i}`, "v"])))!)).toHaveLength(50);
  });

  it("the workflow file drops GitHub's @ref suffix", () => {
    expect(workflowFile(".github/workflows/ci.yml")).toBe(".github/workflows/ci.yml");
    expect(workflowFile(".github/workflows/ci.yml@refs/heads/main")).toBe(".github/workflows/ci.yml");
    expect(workflowFile(null)).toBe("(unknown workflow)");
  });
});

describe(".github/chargeback.yml finance settings", () => {
  const F = "acme/.github:.github/chargeback.yml";
  const parse = (text: string) => parseChargebackConfig(text, F);
  it("cost centre property, rules in file order, budgets with the default thresholds", () => {
    const r = parse(
      "costCenter:\n  property: team\ncostCenters:\n  platform:\n    repos: ['acme/infra-*']\n  web:\n    repos: ['acme/*']\nbudgets:\n  - scope: org\n    monthlyUsd: 500\n  - scope: cost-center:web\n    monthlyUsd: 100\n    alertAt: [100, 50]\n",
    );
    expect(r).toMatchObject({ ok: true, override: undefined });
    if (!r.ok) throw new Error("unreachable");
    expect(r.settings).toEqual({
      costCenterProperty: "team",
      costCenters: [
        { name: "platform", repos: ["acme/infra-*"] },
        { name: "web", repos: ["acme/*"] },
      ],
      budgets: [
        { scope: "org", monthlyUsd: 500, alertAt: [75, 90, 100] },
        { scope: "cost-center:web", monthlyUsd: 100, alertAt: [50, 100] },
      ],
    });
  });

  it("precise problems", () => {
    const problem = (t: string): string => {
      const r = parse(t);
      return r.ok ? "ok" : formatProblem(r.error);
    };
    expect(problem("budgets:\n  - scope: team:x\n    monthlyUsd: 5\n")).toBe(`${F}: budgets[0].scope: must be org, cost-center:<name> or repo:<owner>/<name>`);
    expect(problem("budgets:\n  - scope: org\n    monthlyUsd: -5\n")).toBe(`${F}: budgets[0].monthlyUsd: must be more than 0`);
    expect(problem("budgets:\n  - scope: org\n    monthlyUsd: 5\n    alertAt: [50, 50]\n")).toBe(`${F}: budgets[0].alertAt: must not repeat a percent`);
    expect(problem("budgets:\n  - scope: org\n    monthlyUsd: 5\n  - scope: org\n    monthlyUsd: 6\n")).toBe(
      `${F}: budgets[1].scope: the same scope as budgets[0]: one budget per scope`,
    );
    expect(problem("costCenters:\n  web:\n    repos: ['not a glob']\n")).toMatch(/^.*costCenters\.web\.repos\[0\]: must be a glob over owner\/name/);
    expect(problem("budgets:\n  - scope: org\n    monthlyUsd: 5\n    monthly: 5\n")).toMatch(/budgets\[0\]: unknown field 'monthly'/);
  });

  it("every problem of the file, in file order, not only the first", () => {
    const r = parse(
      "rates:\n  quantum_9000: 1\n  linux_2_core: 99\nbudgets:\n  - scope: org\n    monthlyUsd: 5\n  - scope: ORG\n    monthlyUsd: 6\n  - scope: team:x\n    monthlyUsd: 7\n",
    );
    if (r.ok) throw new Error("expected problems");
    // The schema's problems first, then the rates' (checked whatever else failed).
    expect(r.problems.map((p) => p.field)).toEqual(["budgets[1].scope", "budgets[2].scope", "rates.quantum_9000", "rates.linux_2_core"]);
    const zodClean = parse(
      "rates:\n  quantum_9000: 1\n  linux_2_core: 99\nbudgets:\n  - scope: cost-center:Web\n    monthlyUsd: 5\n  - scope: cost-center:web\n    monthlyUsd: 6\n",
    );
    if (zodClean.ok) throw new Error("expected problems");
    expect(zodClean.problems.map((p) => [p.field, p.problem.split(";")[0]])).toEqual([
      ["rates.quantum_9000", "unknown SKU"],
      ["rates.linux_2_core", "must be a USD amount per minute between 0 and 10, e.g. 0.006"],
      ["budgets[1].scope", "the same scope as budgets[0]: one budget per scope"],
    ]);
    expect(zodClean.error).toEqual(zodClean.problems[0]);
  });
});

describe("budgets", () => {
  it("thresholds in micro-dollars: reached when the month-to-date equals or passes them", () => {
    expect(thresholdMicros(500_000_000, 75)).toBe(375_000_000);
    expect(thresholdMicros(1, 75)).toBe(1);
    expect(reachedThresholds(374_999_999, 500_000_000, [75, 90, 100])).toEqual([]);
    expect(reachedThresholds(375_000_000, 500_000_000, [100, 75, 90])).toEqual([75]);
    expect(reachedThresholds(500_000_000, 500_000_000, [75, 90, 100])).toEqual([75, 90, 100]);
  });

  it("linear forecast to month end: at least a day elapsed; a month that is over forecasts what it spent", () => {
    // 10 days of November (30 days) spent $100: $300 by the end.
    expect(forecastMicros(100_000_000, "2026-11", new Date("2026-11-11T00:00:00Z"))).toBe(300_000_000);
    expect(forecastMicros(1_000_000, "2026-11", new Date("2026-11-01T00:10:00Z"))).toBe(30_000_000);
    expect(forecastMicros(5, "2026-11", new Date("2026-12-02T00:00:00Z"))).toBe(5);
    expect(forecastMicros(0, "2026-02", new Date("2026-02-14T00:00:00Z"))).toBe(0);
  });

  it("the budgets an attempt touches: the org's, its cost centre's and its repository's", () => {
    const budgets = [
      { scope: "org", monthlyUsd: 10, alertAt: [100] },
      { scope: "cost-center:web", monthlyUsd: 5, alertAt: [50] },
      { scope: "cost-center:ops", monthlyUsd: 5, alertAt: [50] },
      { scope: "repo:Acme/Site", monthlyUsd: 1, alertAt: [90] },
    ];
    const c = budgetChecks(budgets, { org: "Acme", repository: "acme/site", costCenter: "web", month: "2026-11", at: "2026-11-10T00:00:00Z", attempt: "x" });
    expect(c.checks.map((x) => [x.scope, unmarshall(x.key), x.budgetMicros])).toEqual([
      ["org", { pk: "ORG#acme", sk: "TOTALS#2026-11" }, 10_000_000],
      ["cost-center:web", { pk: "ORG#acme", sk: "CCTOTALS#2026-11#web" }, 5_000_000],
      ["repo:Acme/Site", { pk: "REPO#acme/site", sk: "TOTALS#2026-11" }, 1_000_000],
    ]);
  });

  it("alerts for every reached threshold, each with its own marker key, the month-to-date, the budget and the forecast", () => {
    const checks = budgetChecks([{ scope: "org", monthlyUsd: 10, alertAt: [75, 90, 100] }], {
      org: "acme",
      repository: "acme/a",
      costCenter: "x",
      month: "2026-11",
      at: "2026-11-16T00:00:00Z",
      attempt: "acme/a run 1 attempt 1",
    });
    const alerts = decideAlerts(checks, [{ Item: { costMicros: { N: "9500000" } } }], "exec-1");
    // 75% and 90% are both reached: one alert, for the highest.
    expect(alerts.map((a) => unmarshall(a.key))).toEqual([{ pk: "ORG#acme", sk: "BUDGETALERT#2026-11#org#0090" }]);
    expect(alerts[0]!.subject).toBe("Budget 90% reached: org 2026-11, $9.50 of $10.00");
    expect(alerts[0]!.message).toContain("Month to date: $9.50 (95.0% of the $10.00 budget).");
    expect(alerts[0]!.message).toContain("Linear forecast to month end: $19.00 (190.0% of the budget).");
    expect(unmarshall(alerts[0]!.item)).toMatchObject({ owner: "exec-1", mtdMicros: 9_500_000, forecastMicros: 19_000_000, pct: 90 });
    expect(alerts[0]!.claimValues).toEqual({ ":owner": { S: "exec-1" } });
    expect(decideAlerts(checks, [{}], "exec-1")).toEqual([]);
    for (const a of decideAlerts(
      { ...checks, checks: [{ ...checks.checks[0]!, scope: `cost-center:${"x".repeat(64)}` }] },
      [{ Item: { costMicros: { N: "9500000" } } }],
      "e",
    )) {
      expect(a.subject.length).toBeLessThan(100);
    }
  });
});

describe("report arithmetic", () => {
  it("cents add up to the total rounded once, each row within a cent of its own amount", () => {
    const cases = [[4_999, 4_999, 4_999], [1, 1, 1, 9_997], [125_000, 5_000, 5_000, 0], [], [3_333_333, 3_333_333, 3_333_334]];
    for (let seed = 1; seed < 200; seed++)
      cases.push(Array.from({ length: 1 + (seed % 13) }, (_, i) => ((seed * 7919 + i * 104729) % 250_000) + (i % 3 === 0 ? 5_000 : 0)));
    for (const micros of cases) {
      const cents = allocateCents(micros);
      expect(cents.reduce((a, b) => a + b, 0)).toBe(centsOf(micros.reduce((a, b) => a + b, 0)));
      for (const [i, m] of micros.entries()) expect(Math.abs(cents[i]! * 10_000 - m)).toBeLessThan(10_000);
    }
  });

  it("every view's total is the sum of its rows", () => {
    const a = (costMicros: number, minutes: number, extra = {}) => ({
      runs: 1,
      attempts: 2,
      jobs: 3,
      minutes,
      costMicros,
      unknownMinutes: 1,
      bySku: { linux_2_core: { minutes: minutes - 1, costMicros }, unknown: { minutes: 1, costMicros: 0 } },
      ...extra,
    });
    const inputs = {
      repos: [
        { repository: "o/a", period: "ALL", unknownLabels: [], ...a(4_999, 10) },
        { repository: "o/b", period: "ALL", unknownLabels: [], ...a(4_999, 3) },
      ],
      costCenters: [
        { costCenter: "x", ...a(4_999, 10) },
        { costCenter: "y", ...a(4_999, 3) },
        { costCenter: "x", ...a(1, 1) },
      ],
      workflows: [
        { repository: "o/a", workflow: "w", costCenter: "x", ...a(4_999, 10) },
        { repository: "o/a", workflow: "w", costCenter: "y", ...a(4_999, 3) },
      ],
    };
    for (const view of ["repo", "cost-center", "workflow", "sku"] as const) {
      const rows = viewRows(view, inputs);
      const t = totalOf(view, rows);
      expect(t.costMicros).toBe(rows.reduce((s, r) => s + r.costMicros, 0));
      expect(t.minutes).toBe(rows.reduce((s, r) => s + r.minutes, 0));
      expect(t.cents).toBe(rows.reduce((s, r) => s + r.cents, 0));
      if (view !== "sku") expect(t.runs).toBe(rows.reduce((s, r) => s + (r.runs ?? 0), 0));
    }
    expect(viewRows("cost-center", inputs).map((r) => [r.key, r.costMicros, r.runs])).toEqual([
      ["x", 5_000, 2],
      ["y", 4_999, 1],
    ]);
    expect(viewRows("workflow", inputs)).toEqual([expect.objectContaining({ key: "w", repository: "o/a", costCenters: ["x", "y"], costMicros: 9_998 })]);
  });
});

describe("rebuilding the finance totals from run records", () => {
  const rec = (runId: number, attempt: number, completedAt: string, costCenter: string, costMicros: number): RunRecord =>
    ({
      pk: "REPO#acme/a",
      sk: `RUN#${completedAt}#${runId}#${attempt}`,
      type: "run",
      org: "acme",
      repository: "acme/a",
      repositoryId: 1,
      visibility: "private",
      runId,
      attempt,
      workflow: "CI",
      workflowPath: ".github/workflows/ci.yml",
      event: "push",
      branch: null,
      actor: null,
      conclusion: null,
      runStartedAt: null,
      completedAt,
      month: completedAt.slice(0, 7),
      jobs: 1,
      minutes: 2,
      costMicros,
      unknownMinutes: 0,
      unknownLabels: [],
      bySku: { linux_2_core: { jobs: 1, minutes: 2, costMicros } },
      flaggedJobs: [],
      flaggedJobsOmitted: 0,
      rates: "github",
      pricedAt: completedAt,
      costCenter,
    }) as RunRecord;

  it("a run counts once (its earliest attempt), every attempt adds its cost, per cost centre and workflow cell", () => {
    const items = totalsFromRuns(
      [rec(1, 2, "2026-02-01T00:00:00Z", "web", 12_000), rec(1, 1, "2026-01-31T23:00:00Z", "web", 12_000), rec(2, 1, "2026-01-05T00:00:00Z", "ops", 6_000)],
      "finance",
    );
    const by = Object.fromEntries(items.map((i) => [`${String(i.sk)}`, [i.runs, i.attempts, i.costMicros]]));
    expect(by).toEqual({
      "TOTALS#2026-01": [2, 2, 18_000],
      "TOTALS#2026-02": [0, 1, 12_000],
      "CCTOTALS#2026-01#web": [1, 1, 12_000],
      "CCTOTALS#2026-01#ops": [1, 1, 6_000],
      "CCTOTALS#2026-02#web": [0, 1, 12_000],
      "WFTOTALS#2026-01#acme%2Fa#.github%2Fworkflows%2Fci.yml#web": [1, 1, 12_000],
      "WFTOTALS#2026-01#acme%2Fa#.github%2Fworkflows%2Fci.yml#ops": [1, 1, 6_000],
      "WFTOTALS#2026-02#acme%2Fa#.github%2Fworkflows%2Fci.yml#web": [0, 1, 12_000],
    });
    expect(DEFAULT_SETTINGS.costCenters).toEqual([]);
  });
});
