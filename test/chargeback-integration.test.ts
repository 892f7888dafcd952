import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import nock from "nock";
import { costCenterTotalsKey } from "../app/records/keys.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { tableName } from "../app/store/table.js";
import type { Probot } from "probot";
import { main as report } from "../app/cli/report.js";
import { clearChargebackCache } from "../app/config/chargeback.js";
import { runExecutionName } from "../app/dispatch/execution-name.js";
import { runCostInput } from "../app/handlers/workflow-run-completed.js";
import { queryBudgetAlerts, queryCostCenterTotals, queryWorkflowTotals } from "../app/store/finance-query.js";
import { queryTotals } from "../app/store/chargeback-query.js";
import { clearHostedRunnerCache } from "../app/tasks/hosted-runners.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { API, nockInstallationTokens } from "./fixtures/jobs-github.js";
import { handPrice, jobsFor, jobsPage, ORG, workflowRunPayload, type JobSpec } from "./fixtures/jobs.js";
import { blockNetwork, setAppEnv, testProbot } from "./helpers/app-env.js";

/**
 * Chargeback on the embedded default, through the real webhook handler and machine: allocation by custom property
 * and by rule, budget alerts exactly once under redeliveries, duplicate executions and simultaneous crossings, and
 * reallocation after a rule change, exact to the micro-dollar.
 */
let embedded: Embedded;
let probot: Probot;
let sfn: SFNClient;
const github = new Map<string, unknown[]>();
let config = "";

const CONFIG_V1 = [
  "costCenters:",
  "  platform:",
  "    repos: ['acme/beta*']",
  "budgets:",
  "  - scope: org",
  "    monthlyUsd: 1",
  "    alertAt: [50, 100]",
  "  - scope: cost-center:platform",
  "    monthlyUsd: 100",
  "",
].join("\n");

function serve(): void {
  nock(API)
    .persist()
    .get(/^\/repos\/acme\/([^/]+)\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs/)
    .query(true)
    .reply((uri) => {
      const m = /^\/repos\/acme\/([^/]+)\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs/.exec(uri)!;
      const jobs = github.get(`${m[1]!.toLowerCase()}/${m[2]}/${m[3]}`);
      return jobs ? [200, jobsPage(jobs)] : [404, { message: "Not Found" }];
    });
  nock(API)
    .persist()
    .get(/^\/repos\/acme\/\.github\/contents\//)
    .reply(() => [
      200,
      {
        type: "file",
        encoding: "base64",
        size: config.length,
        name: "chargeback.yml",
        path: ".github/chargeback.yml",
        content: Buffer.from(config).toString("base64"),
      },
    ]);
}

interface Run {
  repo: string;
  runId: number;
  attempt?: number;
  at: string;
  specs: JobSpec[];
  properties?: Record<string, string>;
  path?: string;
}

function payloadOf(r: Run): Record<string, unknown> {
  const p = workflowRunPayload({ runId: r.runId, repo: r.repo, attempt: r.attempt, updatedAt: r.at });
  if (r.properties) (p.repository as Record<string, unknown>).custom_properties = r.properties;
  if (r.path) (p.workflow_run as Record<string, unknown>).path = r.path;
  return p;
}

/** Registers the jobs GitHub "has" for the run, and returns its hand-computed micro-dollars. */
function addRun(r: Run): number {
  const jobs = jobsFor(r.runId, r.attempt ?? 1, r.at, r.specs);
  github.set(`${r.repo}/${r.runId}/${r.attempt ?? 1}`, jobs);
  return handPrice(jobs).micros;
}

let delivery = 0;
function deliver(payload: object, id?: string): Promise<void> {
  delivery += 1;
  return probot.receive({ id: id ?? `cb-${delivery}`, name: "workflow_run", payload } as unknown as Parameters<Probot["receive"]>[0]);
}

function budgetMessages(): Array<{ subject?: string; message: string }> {
  return embedded.outbox.read().filter((m) => m.attributes?.outcome === "budget");
}

class Out {
  text = "";
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

beforeAll(async () => {
  setAppEnv();
  blockNetwork();
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  probot = await testProbot();
  sfn = new SFNClient({});
});

beforeEach(() => {
  clearChargebackCache();
  clearHostedRunnerCache();
  nockInstallationTokens();
  serve();
});

afterEach(async () => {
  await embedded.idle();
  nock.cleanAll();
});

afterAll(async () => {
  sfn.destroy();
  await embedded.stop();
  nock.enableNetConnect();
});

const linux = (minutes: number): JobSpec[] => [{ labels: ["ubuntu-latest"], seconds: minutes * 60 }];

describe("chargeback on the embedded default", () => {
  it("allocates by custom property and by rule, and alerts once per (scope, month, threshold) under a redelivery storm", async () => {
    config = CONFIG_V1;
    // $0.006 a minute (2026): 50 min = $0.30, 40 min = $0.24 -> $0.54 crosses 50% of $1.
    const a: Run = { repo: "alpha", runId: 501, at: "2026-03-10T10:00:00Z", specs: linux(50), properties: { "cost-center": "Payments" } };
    const b: Run = { repo: "beta-api", runId: 502, at: "2026-03-10T11:00:00Z", specs: linux(40), path: ".github/workflows/deploy.yml" };
    const micros = { a: addRun(a), b: addRun(b) };
    expect(micros).toEqual({ a: 300_000, b: 240_000 });
    await deliver(payloadOf(a));
    await embedded.idle();
    // The storm: b delivered 12 times at once (GitHub's redeliveries), plus 5 more executions of the same attempt
    // under other names (as an at-least-once Express engine or a replay would start them).
    const bp = payloadOf(b);
    await Promise.all(Array.from({ length: 12 }, (_, i) => deliver(bp, `storm-${i % 3}`)));
    const input = runCostInput({ ...bp, installation: { id: 4242 } });
    if (!input.ok) throw new Error(input.reason);
    const name = runExecutionName(`${ORG}/beta-api`, 502, 1);
    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        sfn.send(
          new StartExecutionCommand({
            stateMachineArn: process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN,
            name: `${name}-replay-${i}`.slice(0, 80),
            input: JSON.stringify(input.input),
          }),
        ),
      ),
    );
    await embedded.idle();

    const msgs = budgetMessages();
    expect(msgs.map((m) => m.subject)).toEqual(["Budget 50% reached: org 2026-03, $0.54 of $1.00"]);
    expect(msgs[0]!.message).toContain("Month to date: $0.54 (54.0% of the $1.00 budget).");
    expect(msgs[0]!.message).toMatch(/Linear forecast to month end: \$\d+\.\d\d/);
    const cc = await queryCostCenterTotals(ORG, "2026-03");
    expect(Object.fromEntries(cc.map((c) => [c.costCenter, [c.runs, c.attempts, c.costMicros]]))).toEqual({
      Payments: [1, 1, 300_000],
      platform: [1, 1, 240_000],
    });
    const wf = await queryWorkflowTotals(ORG, "2026-03");
    expect(wf.map((w) => [w.repository, w.workflow, w.costCenter, w.costMicros]).sort()).toEqual([
      ["acme/alpha", ".github/workflows/ci.yml", "Payments", 300_000],
      ["acme/beta-api", ".github/workflows/deploy.yml", "platform", 240_000],
    ]);

    // Two attempts that cross 100% together alert once.
    const c: Run = { repo: "gamma", runId: 503, at: "2026-03-11T10:00:00Z", specs: linux(40) };
    const d: Run = { repo: "gamma", runId: 504, at: "2026-03-11T10:00:01Z", specs: linux(40) };
    addRun(c);
    addRun(d);
    await Promise.all([deliver(payloadOf(c)), deliver(payloadOf(d))]);
    await embedded.idle();
    expect(budgetMessages().map((m) => m.subject)).toEqual([
      "Budget 50% reached: org 2026-03, $0.54 of $1.00",
      expect.stringMatching(/^Budget 100% reached: org 2026-03, \$1\.0[02] of \$1\.00$/),
    ]);
    const alerts = await queryBudgetAlerts(ORG, "2026-03");
    expect(alerts.map((x) => [x.scope, x.pct, x.sent])).toEqual([
      ["org", 50, true],
      ["org", 100, true],
    ]);

    // Replays of every attempt (new names) send nothing more.
    for (const r of [a, b, c, d]) {
      const made = runCostInput({ ...payloadOf(r), installation: { id: 4242 } });
      if (!made.ok) throw new Error(made.reason);
      await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN,
          name: `again-${r.runId}`,
          input: JSON.stringify(made.input),
        }),
      );
    }
    await embedded.idle();
    expect(budgetMessages()).toHaveLength(2);
    const org = await queryTotals({ org: ORG, month: "2026-03" });
    expect(org.reduce((s, t) => s + t.costMicros, 0)).toBe(1_020_000);

    // The report shows the budgets with their month-to-date, forecast and the alerts sent.
    const out = new Out();
    expect(await report(["--org", ORG, "--month", "2026-03", "--by", "cost-center", "--format", "json"], { out, err: new Out() })).toBe(0);
    const j = JSON.parse(out.text) as { rows: Array<{ costCenter: string; costMicros: number }>; budgets: Array<Record<string, unknown>> };
    expect(Object.fromEntries(j.rows.map((r) => [r.costCenter, r.costMicros]))).toEqual({ Payments: 300_000, platform: 240_000, unallocated: 480_000 });
    expect(j.budgets[0]).toMatchObject({
      scope: "org",
      month: "2026-03",
      monthlyUsd: 1,
      monthToDateMicros: 1_020_000,
      forecastMicros: 1_020_000,
      reached: [50, 100],
      alerted: [50, 100],
    });
  });

  it("reallocation after a rule change gives exact per-cost-centre totals, past months too", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cb-"));
    const v2 = join(dir, "chargeback.yml");
    // v2: beta-* is no longer platform's; gamma is. alpha keeps its custom property.
    writeFileSync(v2, "costCenters:\n  platform:\n    repos: ['acme/gamma']\n");
    // A dry run first: it names the file used, counts the changes and writes nothing.
    const dry = new Out();
    const dryErr = new Out();
    expect(
      await report(["--org", ORG, "--reallocate", "--dry-run", "--config", v2, "--by", "cost-center", "--format", "json"], { out: dry, err: dryErr }),
    ).toBe(0);
    expect(dryErr.text).toContain(`reallocate: settings from ${v2}\n`);
    expect(dryErr.text).toMatch(/reallocate: dry run: 3 of \d+ run records would change cost centre; nothing written/);
    expect((await queryWorkflowTotals(ORG, "2026-03")).filter((w) => w.repository === "acme/beta-api").map((w) => w.costCenter)).not.toContain("unallocated");
    const out = new Out();
    const err = new Out();
    expect(await report(["--org", ORG, "--reallocate", "--config", v2, "--by", "cost-center", "--format", "json"], { out, err })).toBe(0);
    expect(err.text).toMatch(/reallocate: 3 run records changed cost centre/);
    const j = JSON.parse(out.text) as { rows: Array<{ costCenter: string; costMicros: number; runs: number }>; total: { costMicros: number } };
    expect(Object.fromEntries(j.rows.map((r) => [r.costCenter, [r.runs, r.costMicros]]))).toEqual({
      Payments: [1, 300_000],
      platform: [2, 480_000],
      unallocated: [1, 240_000],
    });
    expect(j.total.costMicros).toBe(1_020_000);
    const wf = await queryWorkflowTotals(ORG, "2026-03");
    expect(wf.filter((w) => w.repository === "acme/beta-api").map((w) => [w.costCenter, w.costMicros])).toEqual([["unallocated", 240_000]]);
    // Idempotent: a second reallocation with the same rules changes nothing.
    const again = new Out();
    expect(await report(["--org", ORG, "--reallocate", "--config", v2, "--by", "cost-center", "--format", "json"], { out: again, err })).toBe(0);
    expect((JSON.parse(again.text) as { rows: unknown[] }).rows).toEqual(j.rows);
    expect(err.text).toMatch(/reallocate: 0 run records changed cost centre/);
    // A damaged cost-centre item is repaired by --rebuild from the run records, keeping the allocations.
    await dynamoClient().send(
      new UpdateItemCommand({
        TableName: tableName(),
        Key: marshall(costCenterTotalsKey(ORG, "2026-03", "platform")),
        UpdateExpression: "ADD costMicros :x",
        ExpressionAttributeValues: { ":x": { N: "999" } },
      }),
    );
    const rebuilt = new Out();
    expect(await report(["--org", ORG, "--rebuild", "--by", "cost-center", "--format", "json"], { out: rebuilt, err: new Out() })).toBe(0);
    expect((JSON.parse(rebuilt.text) as { rows: unknown[] }).rows).toEqual(j.rows);
  });
});
