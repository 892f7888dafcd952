// Free uses (Dependabot, Pages), self-hosted fleet rates, and the priced jobs and pull requests a run record keeps,
// bounded for large matrices. GitHub's figures: standard runners in Dependabot runs and Pages builds are free
// (docs.github.com, billing concepts for GitHub Actions); larger runners are billed there as everywhere.
import { describe, expect, it } from "@jest/globals";
import { marshall } from "@aws-sdk/util-dynamodb";
import { parseChargebackConfig } from "../app/config/chargeback.js";
import { freeUseOf } from "../app/pricing/free-uses.js";
import { loadRateTable, priceAttempt, type PriceContext } from "../app/pricing/price.js";
import { fleetRatesFrom } from "../app/pricing/self-hosted-rates.js";
import { skuInfo } from "../app/pricing/sku-names.js";
import type { JobInput } from "../app/pricing/types.js";
import { recordingPlan } from "../app/records/recording.js";
import { jobsOfRecord, MAX_JOB_LIST_BYTES } from "../app/records/run-jobs.js";
import { buildRunRecord, runItem, runSummary } from "../app/records/run.js";
import type { RunCostInput } from "../app/records/run-input.js";

const RATES = loadRateTable();
let id = 1;
function job(labels: string[], minutes: number, extra: Partial<JobInput> = {}): JobInput {
  id += 1;
  const end = Date.parse("2026-11-03T12:00:00Z");
  return {
    id,
    name: `job ${id}`,
    status: "completed",
    conclusion: "success",
    started_at: new Date(end - minutes * 60_000 + 1000).toISOString(),
    completed_at: new Date(end).toISOString(),
    labels,
    runner_group_name: "GitHub Actions",
    ...extra,
  };
}
const ctx = (path: string | null, extra: Partial<PriceContext> = {}): PriceContext => ({
  visibility: "private",
  hostedRunners: [{ name: "big-linux", platform: "linux-x64", cpuCores: 8 }],
  rates: RATES,
  freeUse: freeUseOf(path),
  ...extra,
});

function input(path: string, pullRequests?: number[]): RunCostInput {
  return {
    installationId: 1,
    org: "acme",
    repository: { fullName: "acme/widgets", id: 7, visibility: "private" },
    run: {
      id: 99,
      attempt: 1,
      name: "CI",
      path,
      event: "pull_request",
      headBranch: "feature",
      actor: "octocat",
      conclusion: "success",
      runStartedAt: "2026-11-03T11:00:00Z",
      updatedAt: "2026-11-03T12:00:00Z",
      ...(pullRequests ? { pullRequests } : {}),
    },
  };
}

describe("free uses of standard runners", () => {
  it("names Dependabot runs and Pages builds by their dynamic workflow path, nothing else", () => {
    expect(freeUseOf("dynamic/dependabot/dependabot-updates")?.kind).toBe("dependabot");
    expect(freeUseOf("dynamic/pages/pages-build-deployment@refs/heads/main")?.kind).toBe("pages");
    expect(freeUseOf(".github/workflows/dependabot.yml")).toBeUndefined();
    expect(freeUseOf("dynamic/copilot-swe-agent/copilot")).toBeUndefined();
    expect(freeUseOf(null)).toBeUndefined();
  });

  it("a Dependabot run on ubuntu-latest (private repo) costs $0 with the reason; the same jobs in CI cost 0.006/min", () => {
    const jobs = [job(["ubuntu-latest"], 4), job(["ubuntu-24.04-arm"], 2)];
    const free = priceAttempt(jobs, ctx("dynamic/dependabot/dependabot-updates"));
    expect(free.costMicros).toBe(0);
    expect(free.minutes).toBe(6);
    expect(free.pricedJobs.map((j) => j.reason)).toEqual(["standard runner in a Dependabot run: free", "standard runner in a Dependabot run: free"]);
    expect(priceAttempt(jobs, ctx(".github/workflows/ci.yml")).costMicros).toBe(4 * 6000 + 2 * 5000);
  });

  it("a larger runner used by a Pages build is billed (linux_8_core 0.022/min), its standard job is not", () => {
    const a = priceAttempt([job(["big-linux"], 10), job(["ubuntu-latest"], 3)], ctx("dynamic/pages/pages-build-deployment"));
    expect(a.costMicros).toBe(10 * 22_000);
    expect(a.bySku.linux_8_core).toEqual({ jobs: 1, minutes: 10, costMicros: 220_000 });
    expect(a.bySku.linux_2_core).toEqual({ jobs: 1, minutes: 3, costMicros: 0 });
  });

  it("macOS larger runners in a Dependabot run are billed too; standard macOS is free", () => {
    const a = priceAttempt([job(["macos-15-xlarge"], 2), job(["macos-15"], 5)], ctx("dynamic/dependabot/dependabot-updates"));
    expect(a.costMicros).toBe(2 * 102_000);
  });

  it("the record keeps the free use and the summary says why", () => {
    const priced = priceAttempt([job(["ubuntu-latest"], 4)], ctx("dynamic/dependabot/dependabot-updates"));
    const record = buildRunRecord(input("dynamic/dependabot/dependabot-updates"), priced, "github", new Date());
    expect(record.freeUse).toEqual({ kind: "dependabot", reason: "standard runner in a Dependabot run: free", minutes: 4 });
    expect(runSummary(record)).toContain("4 min free (standard runner in a Dependabot run: free)");
    expect(jobsOfRecord(record)[0]).toMatchObject({ sku: "linux_2_core", minutes: 4, costMicros: 0, reason: "standard runner in a Dependabot run: free" });
  });
});

describe("self-hosted fleet rates (chargeback.yml selfHosted)", () => {
  const cfg = parseChargebackConfig("selfHosted:\n  - label: gpu-fleet\n    usdPerMinute: 0.004\n  - group: Linux-Fleet\n    usdPerMinute: 0.0012\n");
  if (!cfg.ok) throw new Error("config refused");
  const selfHostedRates = fleetRatesFrom(cfg.settings.selfHosted);

  it("parses to micro-dollar rates in file order", () => {
    expect(selfHostedRates).toEqual([
      { label: "gpu-fleet", micros: 4000 },
      { group: "Linux-Fleet", micros: 1200 },
    ]);
  });

  it("prices fleet minutes under their own SKU, by label first match, by group case-insensitively; the rest stays $0", () => {
    const a = priceAttempt(
      [
        job(["self-hosted", "linux", "GPU-Fleet"], 10, { runner_group_name: "linux-fleet" }),
        job(["self-hosted", "linux"], 7, { runner_group_name: "linux-fleet" }),
        job(["self-hosted", "windows"], 5, { runner_group_name: "Default" }),
      ],
      ctx(".github/workflows/ci.yml", { selfHostedRates, visibility: "public" }),
    );
    expect(a.bySku.self_hosted_label_gpu_fleet).toEqual({ jobs: 1, minutes: 10, costMicros: 40_000 });
    expect(a.bySku.self_hosted_group_linux_fleet).toEqual({ jobs: 1, minutes: 7, costMicros: 8400 });
    expect(a.bySku.self_hosted).toEqual({ jobs: 1, minutes: 5, costMicros: 0 });
    expect(a.costMicros).toBe(48_400);
    expect(skuInfo("self_hosted_label_gpu_fleet").name).toBe("Self-hosted fleet (label gpu_fleet, org rate)");
  });

  it("without a rate self-hosted minutes stay at $0", () => {
    expect(priceAttempt([job(["self-hosted"], 9, { runner_group_name: "linux-fleet" })], ctx(null)).costMicros).toBe(0);
  });

  it.each([
    ["selfHosted:\n  - usdPerMinute: 0.01\n", "selfHosted[0]: must name exactly one of label or group"],
    ["selfHosted:\n  - label: a\n    group: b\n    usdPerMinute: 0.01\n", "selfHosted[0]: must name exactly one of label or group"],
    ["selfHosted:\n  - label: a\n    usdPerMinute: 60\n", "selfHosted[0].usdPerMinute: must be at most 10 USD a minute (is it per hour?)"],
    [
      "selfHosted:\n  - label: a\n    usdPerMinute: 0.01\n  - label: A\n    usdPerMinute: 0.02\n",
      "selfHosted[1]: names the same runner label a as selfHosted[0]",
    ],
    ["selfHosted:\n  - label: 'a,b'\n    usdPerMinute: 0.01\n", "selfHosted[0].label: must be one runner label or group name"],
  ])("refuses %j with a one-line problem", (text, problem) => {
    const r = parseChargebackConfig(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(`${r.error.field}: ${r.error.problem}`).toBe(problem);
  });
});

describe("the run record keeps its pull requests and priced jobs, bounded", () => {
  it("pull request numbers are kept distinct and sorted", () => {
    const priced = priceAttempt([job(["ubuntu-latest"], 1)], ctx(".github/workflows/ci.yml"));
    expect(buildRunRecord(input(".github/workflows/ci.yml", [12, 3, 12]), priced, "github", new Date()).pullRequests).toEqual([3, 12]);
    expect(buildRunRecord(input(".github/workflows/ci.yml"), priced, "github", new Date()).pullRequests).toBeUndefined();
  });

  it("a 250-job matrix keeps every job, and the output stays far under 256 KiB and the item under 400 KB", () => {
    const jobs = Array.from({ length: 250 }, (_, i) =>
      job([i % 2 ? "ubuntu-latest" : "windows-latest"], 1 + (i % 7), { name: `test (${"os".repeat(20)}, node-${i})` }),
    );
    const priced = priceAttempt(jobs, ctx(".github/workflows/ci.yml"));
    const record = buildRunRecord(input(".github/workflows/ci.yml", [5]), priced, "github", new Date());
    const kept = jobsOfRecord(record);
    expect(kept).toHaveLength(250);
    expect(kept.reduce((s, j) => s + j.costMicros, 0)).toBe(record.costMicros);
    expect(record.jobListOmitted).toEqual({ jobs: 0, minutes: 0, costMicros: 0 });
    const plan = recordingPlan(record, "t");
    expect(Buffer.byteLength(JSON.stringify(plan))).toBeLessThan(128 * 1024);
    expect(Buffer.byteLength(JSON.stringify(runItem(record)))).toBeLessThan(64 * 1024);
  });

  it("a pathological matrix (long names, many label sets) is cut at the byte cap and the omitted jobs are summed", () => {
    const jobs = Array.from({ length: 1000 }, (_, i) => job([`custom-${i}-${"x".repeat(80)}`, "self-hosted"], 2, { name: `${"n".repeat(300)} ${i}` }));
    const priced = priceAttempt(jobs, ctx(null, { selfHostedRates: [{ group: "GitHub Actions", micros: 1000 }] }));
    const record = buildRunRecord(input(".github/workflows/ci.yml"), priced, "github", new Date());
    expect(Buffer.byteLength(record.jobList ?? "")).toBeLessThanOrEqual(MAX_JOB_LIST_BYTES);
    const kept = jobsOfRecord(record);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length + (record.jobListOmitted?.jobs ?? 0)).toBe(1000);
    expect(kept.reduce((s, j) => s + j.minutes, 0) + (record.jobListOmitted?.minutes ?? 0)).toBe(record.minutes);
    expect(kept.reduce((s, j) => s + j.costMicros, 0) + (record.jobListOmitted?.costMicros ?? 0)).toBe(record.costMicros);
    expect(kept.every((j) => j.name.length <= 100 && j.labels.length <= 100)).toBe(true);
    expect(Buffer.byteLength(JSON.stringify(marshall({ jobList: record.jobList })))).toBeLessThan(32 * 1024);
  });

  it("a damaged job list reads back as none, never a crash", () => {
    expect(jobsOfRecord({ jobList: "{not json" })).toEqual([]);
    expect(jobsOfRecord({ jobList: JSON.stringify({ jobs: [["a", "b"]] }) })).toEqual([]);
    expect(jobsOfRecord({})).toEqual([]);
  });
});
