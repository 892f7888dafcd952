import { DEFAULT_SETTINGS } from "../app/chargeback/settings.js";
import { describe, expect, it } from "@jest/globals";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { parseChargebackConfig } from "../app/config/chargeback.js";
import { loadRateTable, priceAttempt } from "../app/pricing/price.js";
import { buildRunRecord, runSummary } from "../app/records/run.js";
import { attemptUpdates, totalsFromItem, type AggregateUpdate } from "../app/records/totals.js";
import type { RunCostInput } from "../app/records/run-input.js";
import { jobsFor, type JobSpec } from "./fixtures/jobs.js";

function input(updatedAt = "2026-01-15T10:00:00Z"): RunCostInput {
  return {
    installationId: 1,
    org: "Acme",
    repository: { fullName: "Acme/Widgets", id: 9, visibility: "private" },
    run: {
      id: 77,
      attempt: 3,
      name: "CI",
      path: ".github/workflows/ci.yml",
      event: "push",
      headBranch: "main",
      actor: "octocat",
      conclusion: "failure",
      runStartedAt: "2026-01-15T09:00:00.000Z",
      updatedAt,
    },
  };
}

function recordOf(specs: JobSpec[], updatedAt?: string) {
  const inp = input(updatedAt);
  const priced = priceAttempt(jobsFor(77, 3, inp.run.updatedAt, specs), { visibility: "private", hostedRunners: [], rates: loadRateTable() });
  return buildRunRecord(inp, priced, "github", new Date("2026-01-15T10:00:05Z"));
}

describe("run record", () => {
  it("keys: lower-cased repository, completion time, run id and attempt; month from the UTC completion", () => {
    const r = recordOf([{ labels: ["ubuntu-latest"], seconds: 61 }], "2026-01-31T23:30:00-02:00");
    expect(r.pk).toBe("REPO#acme/widgets");
    expect(r.sk).toBe("RUN#2026-02-01T01:30:00Z#77#3");
    expect(r.month).toBe("2026-02");
    expect(r).toMatchObject({
      type: "run",
      repository: "Acme/Widgets",
      workflow: "CI",
      event: "push",
      branch: "main",
      actor: "octocat",
      conclusion: "failure",
      attempt: 3,
      jobs: 1,
      minutes: 2,
    });
  });

  it("summary is one line with the cost per SKU and the unpriced minutes", () => {
    const r = recordOf([
      { labels: ["ubuntu-latest"], seconds: 600 },
      { labels: ["mystery\nlabel"], seconds: 60 },
    ]);
    const s = runSummary(r);
    expect(s).not.toMatch(/[\r\n]/);
    expect(s).toContain('Acme/Widgets "CI" run 77 attempt 3 (push, main, failure): 2 jobs, 11 min, $0.06 gross [linux_2_core 10 min $0.06');
    expect(s).toContain("1 min on unpriced runners");
  });
});

describe("totals update", () => {
  const r = recordOf([
    { labels: ["ubuntu-latest"], seconds: 600 },
    { labels: ["macos-14"], seconds: 60 },
    { labels: ["ubuntu-latest"], seconds: 0, started: false },
    { labels: ["strange"], seconds: 120 },
  ]);
  const updates = attemptUpdates(r);
  const [allTime, monthly] = updates as [AggregateUpdate, AggregateUpdate];
  /** The attributes an update SETs, by name: what the item is after the write. */
  const setAttributes = (u: AggregateUpdate): Record<string, unknown> => {
    const values = unmarshall(u.firstRun);
    const out: Record<string, unknown> = {};
    for (const [, name, value] of u.updateExpression.matchAll(/(#s\d+) = (:s\d+)/g)) out[u.names[name!]!] = values[value!];
    return out;
  };

  it("ADDs flat per-SKU attributes (ADD cannot create map paths) and skips SKUs with nothing to add", () => {
    expect(allTime.updateExpression).toMatch(
      /^SET .* ADD #runs :runs, #attempts :one, #jobs :jobs, #minutes :minutes, #costMicros :costMicros, #unknownMinutes :unknownMinutes, /,
    );
    const skuAttrs = Object.values(allTime.names)
      .filter((n) => n.startsWith("sku"))
      .sort();
    expect(skuAttrs).toEqual([
      "skuCostMicros_linux_2_core",
      "skuCostMicros_macos",
      "skuCostMicros_unknown",
      "skuMinutes_linux_2_core",
      "skuMinutes_macos",
      "skuMinutes_unknown",
    ]);
    expect(allTime.names["#unknownLabels"]).toBe("unknownLabels");
  });

  it(":runs is 1 for the first attempt seen of a run and 0 for the others; everything else is identical", () => {
    const first = unmarshall(allTime.firstRun);
    const repeat = unmarshall(allTime.repeatRun);
    expect(first[":runs"]).toBe(1);
    expect(repeat[":runs"]).toBe(0);
    expect({ ...first, ":runs": 0 }).toEqual(repeat);
    expect(first).toMatchObject({ ":one": 1, ":minutes": 13, ":costMicros": 60000 + 62000, ":unknownMinutes": 2, ":unknownLabels": new Set(["strange"]) });
  });

  it("all-time and monthly repository items: keys and index entries", () => {
    expect(unmarshall(allTime.key)).toEqual({ pk: "REPO#acme/widgets", sk: "TOTALS" });
    expect(unmarshall(monthly.key)).toEqual({ pk: "REPO#acme/widgets", sk: "TOTALS#2026-01" });
    expect(setAttributes(allTime)).toMatchObject({ gsi1pk: "ORG#acme#ALL", gsi1sk: "REPO#acme/widgets", period: "ALL", type: "totals" });
    expect(setAttributes(monthly)).toMatchObject({ gsi1pk: "ORG#acme#MONTH#2026-01", gsi1sk: "REPO#acme/widgets", period: "2026-01" });
  });

  it("the org's, the cost centre's and the workflow cell's month add the same amounts, without the label set", () => {
    expect(updates.map((u) => u.kind)).toEqual(["repository", "repository", "finance", "finance", "finance"]);
    for (const u of updates.slice(2)) {
      expect(u.updateExpression).not.toContain("unknownLabels");
      const { ":unknownLabels": _labels, ...amounts } = unmarshall(allTime.firstRun);
      expect(unmarshall(u.firstRun)).toMatchObject(Object.fromEntries(Object.entries(amounts).filter(([k]) => !k.startsWith(":s"))));
    }
    expect(setAttributes(updates[3]!)).toMatchObject({ type: "cctotals", costCenter: "unallocated", period: "2026-01" });
  });

  it("is deterministic for a record, and every placeholder has a value", () => {
    expect(attemptUpdates(r)).toEqual(updates);
    for (const u of updates) {
      const values = Object.keys(unmarshall(u.firstRun));
      for (const placeholder of u.updateExpression.match(/:[A-Za-z0-9]+/g) ?? []) expect(values).toContain(placeholder);
      for (const name of u.updateExpression.match(/#[A-Za-z0-9]+/g) ?? []) expect(Object.keys(u.names)).toContain(name);
    }
  });

  it("a record without unknown labels does not touch the label set (DynamoDB refuses empty sets)", () => {
    const clean = attemptUpdates(recordOf([{ labels: ["ubuntu-latest"], seconds: 60 }]));
    for (const u of clean) expect(u.updateExpression).not.toContain("unknownLabels");
  });

  it("reads back into bySku", () => {
    expect(
      totalsFromItem({
        pk: "REPO#acme/widgets",
        repository: "Acme/Widgets",
        runs: 2,
        attempts: 3,
        minutes: 5,
        costMicros: 30000,
        skuMinutes_linux_2_core: 5,
        skuCostMicros_linux_2_core: 30000,
        unknownLabels: new Set(["b", "a"]),
      }),
    ).toEqual({
      repository: "Acme/Widgets",
      period: "ALL",
      runs: 2,
      attempts: 3,
      jobs: 0,
      minutes: 5,
      costMicros: 30000,
      unknownMinutes: 0,
      unknownLabels: ["a", "b"],
      bySku: { linux_2_core: { minutes: 5, costMicros: 30000 } },
    });
  });
});

describe(".github/chargeback.yml", () => {
  const F = "acme/.github:.github/chargeback.yml";
  const parse = (text: string) => parseChargebackConfig(text, F);
  const problem = (text: string) => {
    const r = parse(text);
    return r.ok ? "ok" : `${r.error.file}: ${r.error.field}: ${r.error.problem}`;
  };

  it("an empty file is no override", () => {
    expect(parse("")).toEqual({ ok: true, override: undefined, source: F, settings: DEFAULT_SETTINGS });
    expect(parse("# nothing yet\n")).toEqual({ ok: true, override: undefined, source: F, settings: DEFAULT_SETTINGS });
  });

  it("accepts GitHub's SKU spellings and an optional from date", () => {
    expect(parse('rates:\n  actions_linux: 0.005\n  "Linux 4-core": 0.01\n  macos_xl: 0.1\nfrom: 2026-06-01\n')).toEqual({
      ok: true,
      source: F,
      settings: DEFAULT_SETTINGS,
      override: { rates: { actions_linux: 0.005, "Linux 4-core": 0.01, macos_xl: 0.1 }, from: "2026-06-01" },
    });
  });

  it("reports precise problems as file: field: problem", () => {
    expect(problem("rates:\n  actions_linux: cheap\n")).toBe(`${F}: rates.actions_linux: must be a number: USD per minute, e.g. 0.006`);
    expect(problem("rates:\n  actions_linux: -1\n")).toBe(`${F}: rates.actions_linux: must be a USD amount per minute between 0 and 10, e.g. 0.006`);
    expect(problem("rates:\n  actions_linux: 6\n  linux_gpu_xl: 0.1\n")).toMatch(new RegExp(`^${F}: rates.linux_gpu_xl: unknown SKU`));
    expect(problem("rates:\n  actions_linux: 0.005\n  linux: 0.006\n")).toBe(`${F}: rates.linux: names the same SKU (linux_2_core) as rates.actions_linux`);
    expect(problem("from: 2026-02-30\n")).toBe(`${F}: from: is not a calendar date`);
    expect(problem("from: 1 June\n")).toBe(`${F}: from: must be a date YYYY-MM-DD`);
    expect(problem("rate:\n  actions_linux: 0.005\n")).toBe(
      `${F}: (root): unknown field 'rate'; expected rates, from, costCenter, costCenters, budgets, selfHosted`,
    );
    expect(problem("- actions_linux\n")).toBe(`${F}: (root): must be a mapping with keys rates, from, costCenter, costCenters, budgets, selfHosted`);
    expect(problem("rates:\n  a: 1\n  a: 2\n")).toMatch(new RegExp(`^${F}: line 3, column 3: `));
  });
});
