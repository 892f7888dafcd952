// `report --by pull-request` and `--by job` against run records written with the machine's own transaction, in the
// embedded store: Dependabot and Pages runs beside ordinary ones, a self-hosted fleet rate, exact to the micro-dollar.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import { runViewRows } from "../app/chargeback/run-views.js";
import { main } from "../app/cli/report.js";
import { freeUseOf } from "../app/pricing/free-uses.js";
import { loadRateTable, priceAttempt } from "../app/pricing/price.js";
import { recordingPlan } from "../app/records/recording.js";
import { buildRunRecord } from "../app/records/run.js";
import type { RunCostInput } from "../app/records/run-input.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { tableName } from "../app/store/table.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { jobsFor, type JobSpec } from "./fixtures/jobs.js";

let embedded: Embedded;

interface Run {
  repo: string;
  id: number;
  attempt?: number;
  at: string;
  path: string;
  prs?: number[];
  specs: JobSpec[];
  group?: string;
}

async function record(run: Run): Promise<void> {
  const attempt = run.attempt ?? 1;
  const input: RunCostInput = {
    installationId: 1,
    org: "acme",
    repository: { fullName: `acme/${run.repo}`, id: 1, visibility: "private" },
    run: {
      id: run.id,
      attempt,
      name: "CI",
      path: run.path,
      event: "pull_request",
      headBranch: `branch-${run.prs?.[0] ?? "main"}`,
      actor: "octocat",
      conclusion: "success",
      runStartedAt: null,
      updatedAt: run.at,
      ...(run.prs ? { pullRequests: run.prs } : {}),
    },
  };
  const jobs = jobsFor(run.id, attempt, run.at, run.specs).map((j, i) => ({ ...j, name: `build ${i}`, runner_group_name: run.group ?? "GitHub Actions" }));
  const priced = priceAttempt(jobs, {
    visibility: "private",
    hostedRunners: [],
    rates: loadRateTable(),
    freeUse: freeUseOf(run.path),
    selfHostedRates: [{ group: "linux-fleet", micros: 1500 }],
  });
  const plan = recordingPlan(buildRunRecord(input, priced, "github", new Date()), tableName());
  const variant = attempt === 1 ? plan.firstOfRun : plan.repeatOfRun;
  await dynamoClient().send(new TransactWriteItemsCommand({ TransactItems: variant.items, ClientRequestToken: variant.token }));
}

class Sink {
  text = "";
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

async function report(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Sink();
  const err = new Sink();
  const code = await main(argv, { out, err });
  return { code, out: out.text, err: err.text };
}

const min = (labels: string[], minutes: number): JobSpec => ({ labels, seconds: minutes * 60 });

beforeAll(async () => {
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  // PR 7: two attempts (5 + 3 min ubuntu) and the 2026 labels; PR 9: a fleet run; a Dependabot run and a Pages
  // build (free standard minutes; the Pages build's xlarge macOS job is billed); a push to main.
  await record({
    repo: "app",
    id: 1,
    at: "2026-11-02T10:00:00Z",
    path: ".github/workflows/ci.yml",
    prs: [7],
    specs: [min(["ubuntu-latest"], 5), min(["xcode-27"], 5)],
  });
  await record({ repo: "app", id: 1, attempt: 2, at: "2026-11-02T11:00:00Z", path: ".github/workflows/ci.yml", prs: [7], specs: [min(["ubuntu-latest"], 3)] });
  await record({
    repo: "app",
    id: 2,
    at: "2026-11-03T10:00:00Z",
    path: ".github/workflows/ci.yml",
    prs: [9, 12],
    specs: [min(["self-hosted", "linux"], 10)],
    group: "linux-fleet",
  });
  await record({
    repo: "app",
    id: 3,
    at: "2026-11-04T10:00:00Z",
    path: "dynamic/dependabot/dependabot-updates",
    prs: [11],
    specs: [min(["ubuntu-latest"], 4)],
  });
  await record({
    repo: "app",
    id: 4,
    at: "2026-11-05T10:00:00Z",
    path: "dynamic/pages/pages-build-deployment",
    specs: [min(["ubuntu-latest"], 2), min(["xcode-27-xlarge"], 3)],
  });
  await record({ repo: "app", id: 5, at: "2026-11-06T10:00:00Z", path: ".github/workflows/ci.yml", specs: [min(["windows-11-vs2026-arm"], 4)] });
  await record({ repo: "other", id: 6, at: "2026-10-06T10:00:00Z", path: ".github/workflows/ci.yml", prs: [1], specs: [min(["ubuntu-latest"], 1)] });
}, 60_000);

afterAll(async () => {
  await embedded?.stop();
});

type Row = Record<string, string | number | null>;

describe("report --by pull-request", () => {
  it("charges each run to its lowest pull request, every attempt billed, free minutes with GitHub's reason", async () => {
    const { code, out, err } = await report("--org", "acme", "--month", "2026-11", "--repo", "acme/app", "--by", "pull-request", "--format", "json");
    expect({ code, err }).toEqual({ code: 0, err: "" });
    const json = JSON.parse(out) as { rows: Row[]; total: Row };
    const byKey = Object.fromEntries(json.rows.map((r) => [String(r.pullRequest), r]));
    // #7: (5 ubuntu x 0.006 + 5 xcode-27 x 0.062) + 3 ubuntu x 0.006 = 0.030 + 0.310 + 0.018
    expect(byKey["#7"]).toMatchObject({ runs: 1, attempts: 2, minutes: 13, costMicros: 358_000, costUsd: 0.358 });
    // #9 (the run also lists #12): 10 fleet minutes x 0.0015
    expect(byKey["#9"]).toMatchObject({ runs: 1, attempts: 1, minutes: 10, costMicros: 15_000 });
    expect(byKey["#12"]).toBeUndefined();
    expect(byKey["#11"]).toMatchObject({ minutes: 4, costMicros: 0, freeMinutes: 4, freeReasons: "standard runner in a Dependabot run: free" });
    // no PR: the Pages build (3 xlarge x 0.102 billed, 2 ubuntu free) and the push (4 windows arm64 x 0.010)
    expect(byKey["(no pull request)"]).toMatchObject({ runs: 2, minutes: 9, costMicros: 306_000 + 40_000, freeMinutes: 2 });
    expect(json.total).toMatchObject({ minutes: 36, costMicros: 358_000 + 15_000 + 346_000 });
  });

  it("the whole org without --repo, the month filter keeps October apart", async () => {
    const nov = JSON.parse((await report("--org", "acme", "--month", "2026-11", "--by", "pull-request", "--format", "json")).out) as { rows: Row[] };
    expect(nov.rows.some((r) => r.repository === "acme/other")).toBe(false);
    const all = JSON.parse((await report("--org", "acme", "--by", "pull-request", "--format", "json")).out) as { rows: Row[] };
    expect(all.rows.find((r) => r.repository === "acme/other")).toMatchObject({ pullRequest: "#1", costMicros: 6000 });
  });

  it("table: rows, a total that adds up, never a stack trace", async () => {
    const { code, out } = await report("--org", "acme", "--month", "2026-11", "--repo", "acme/app", "--by", "pull-request");
    expect(code).toBe(0);
    expect(out).toContain("cost per pull request in acme/app");
    expect(out).toContain("#7");
    expect(out).toContain("Total $0.72 over 36 min.");
  });
});

describe("run views (pure)", () => {
  it("unpriced minutes are not free minutes; a record made before jobs were kept is one 'not kept' row", () => {
    const list = JSON.stringify({
      labels: ["gpu-beast", "ubuntu-latest"],
      skus: ["unknown", "linux_2_core"],
      reasons: ["unknown label", "public-repo standard runner"],
      jobs: [
        ["ml", 0, 0, 3, 0, 0],
        ["lint", 1, 1, 4, 0, 1],
      ],
    });
    const rec = {
      repository: "acme/x",
      runId: 1,
      attempt: 1,
      minutes: 7,
      costMicros: 0,
      branch: "main",
      jobList: list,
      jobListOmitted: { jobs: 0, minutes: 0, costMicros: 0 },
    };
    const [pr] = runViewRows("pull-request", [rec]);
    expect(pr).toMatchObject({ key: "(no pull request)", minutes: 7, freeMinutes: 4, freeReasons: ["public-repo standard runner"] });
    const old = { repository: "acme/x", runId: 2, attempt: 1, minutes: 5, costMicros: 30_000, branch: "main" };
    expect(runViewRows("job", [old])).toEqual([expect.objectContaining({ key: "(jobs not kept on the record)", minutes: 5, costMicros: 30_000 })]);
  });
});

describe("report table: the free uses are named", () => {
  it("the repo view ends with why the Dependabot and Pages minutes cost $0", async () => {
    const { code, out } = await report("--org", "acme", "--month", "2026-11", "--repo", "acme/app");
    expect(code).toBe(0);
    expect(out.replace(/\n/g, " ")).toContain(
      "Free: standard runners in Dependabot runs (4 min) and GitHub Pages builds (5 min) cost $0, as GitHub bills them (https://docs.github.com/en/billing/concepts/product-billing/github-actions); larger runners there are billed.",
    );
    expect(Math.max(...out.split("\n").map((l) => l.length))).toBeLessThanOrEqual(120);
  });
});

describe("report --by job", () => {
  it("one row per job name, SKUs shown, adding up to the repository's total", async () => {
    const { code, out } = await report("--org", "acme", "--month", "2026-11", "--repo", "acme/app", "--by", "job", "--format", "json");
    expect(code).toBe(0);
    const json = JSON.parse(out) as { rows: Row[]; total: Row };
    const build0 = json.rows.find((r) => r.job === "build 0");
    // build 0 ran in all five runs (six attempts); build 1 in run 1 (xcode-27) and run 4 (xcode-27-xlarge)
    expect(build0).toMatchObject({ runs: 5, attempts: 6, minutes: 5 + 3 + 10 + 4 + 2 + 4 });
    expect(json.rows.find((r) => r.job === "build 1")).toMatchObject({ runs: 2, minutes: 8, costMicros: 310_000 + 306_000, skus: "macos macos_xl" });
    expect(json.total).toMatchObject({ minutes: 36, costMicros: 719_000, runs: null });
    const totals = JSON.parse((await report("--org", "acme", "--month", "2026-11", "--repo", "acme/app", "--format", "json")).out) as { total: Row };
    expect(totals.total.costMicros).toBe(719_000);
  });

  it("needs --repo, and refuses formats and flags that do not apply, with one line and exit 2", async () => {
    for (const argv of [
      ["--by", "job"],
      ["--by", "job", "--repo", "acme/app", "--format", "html"],
      ["--by", "pull-request", "--reallocate"],
    ]) {
      const { code, err, out } = await report("--org", "acme", ...argv);
      expect(code).toBe(2);
      expect(out).toBe("");
      expect(err.trim().split("\n")).toHaveLength(1);
    }
  });
});
