import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { DescribeExecutionCommand, ListExecutionsCommand, RedriveExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { DeleteItemCommand, QueryCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import nock from "nock";
import type { Probot } from "probot";
import { clearChargebackCache } from "../app/config/chargeback.js";
import { runExecutionName } from "../app/dispatch/execution-name.js";
import { runCostInput } from "../app/handlers/workflow-run-completed.js";
import { queryTotals } from "../app/store/chargeback-query.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { rebuildTotals } from "../app/store/rebuild-totals.js";
import { tableName } from "../app/store/table.js";
import { clearHostedRunnerCache } from "../app/tasks/hosted-runners.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { API, nockChargebackConfig, nockInstallationTokens, nockNoChargebackConfig } from "./fixtures/jobs-github.js";
import { handPrice, jobsFor, jobsPage, matrixSpecs, ORG, workflowRunPayload, type JobSpec } from "./fixtures/jobs.js";
import { blockNetwork, setAppEnv, testProbot } from "./helpers/app-env.js";

/**
 * workflow_run.completed end to end on the embedded backends: Probot handler -> local Step Functions running the
 * real ASL -> price-run task (nocked GitHub) -> conditional writes to dynalite -> totals read back with Query.
 */
let embedded: Embedded;
let probot: Probot;
let sfn: SFNClient;

type ApiJob = ReturnType<typeof jobsFor>[number];
/** The jobs GitHub "has", by `<repo>/<runId>/<attempt>`; one persisted interceptor serves them all. */
const github = new Map<string, ApiJob[]>();
const jobRequests: string[] = [];

function serveJobs(): void {
  nock(API)
    .persist()
    .get(/^\/repos\/acme\/([^/]+)\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs/)
    .query(true)
    .reply((uri) => {
      const m = /^\/repos\/acme\/([^/]+)\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs/.exec(uri)!;
      const key = `${m[1]!.toLowerCase()}/${m[2]}/${m[3]}`;
      jobRequests.push(key);
      const jobs = github.get(key);
      return jobs ? [200, jobsPage(jobs)] : [404, { message: "Not Found" }];
    });
}

function addRun(repo: string, runId: number, attempt: number, completedAt: string, specs: JobSpec[]): ApiJob[] {
  const jobs = jobsFor(runId, attempt, completedAt, specs);
  github.set(`${repo.toLowerCase()}/${runId}/${attempt}`, jobs);
  return jobs;
}

let delivery = 0;
function deliver(payload: object): Promise<void> {
  delivery += 1;
  return probot.receive({ id: `d-${delivery}`, name: "workflow_run", payload } as unknown as Parameters<Probot["receive"]>[0]);
}

async function runRecords(repo: string): Promise<Array<Record<string, unknown>>> {
  const out = await dynamoClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :run)",
      ExpressionAttributeValues: { ":pk": { S: `REPO#${ORG}/${repo}`.replace(/[^#]+$/, (r) => r.toLowerCase()) }, ":run": { S: "RUN#" } },
    }),
  );
  return (out.Items ?? []).map((i) => unmarshall(i));
}

async function repoTotals(repo: string, month?: string) {
  const [t] = await queryTotals({ org: ORG, repo: `${ORG}/${repo}`, month });
  return t;
}

async function execution(repo: string, runId: number, attempt: number) {
  const name = runExecutionName(`${ORG}/${repo}`, runId, attempt);
  const arn = `${process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN!.replace(":stateMachine:", ":execution:")}:${name}`;
  return sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
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
  serveJobs();
});

afterEach(async () => {
  await embedded.idle();
  nock.cleanAll();
});

afterAll(async () => {
  await embedded.stop();
  nock.enableNetConnect();
});

describe("workflow-run-cost on the embedded backends", () => {
  it("the same delivery three times counts once", async () => {
    nockNoChargebackConfig(ORG);
    const jobs = addRun("once", 1001, 1, "2026-01-15T10:00:00Z", matrixSpecs(7));
    const payload = workflowRunPayload({ runId: 1001, repo: "once" });
    await Promise.all([deliver(payload), deliver(payload)]);
    await embedded.idle();
    await deliver(payload);
    await embedded.idle();

    const expected = handPrice(jobs);
    expect(await repoTotals("once")).toMatchObject({ runs: 1, attempts: 1, jobs: 7, minutes: expected.minutes, costMicros: expected.micros });
    expect(await repoTotals("once", "2026-01")).toMatchObject({ runs: 1, attempts: 1, costMicros: expected.micros });
    expect(await runRecords("once")).toHaveLength(1);
    expect((await execution("once", 1001, 1)).status).toBe("SUCCEEDED");
  });

  it("a repeated execution of an attempt already recorded adds nothing (AlreadyRecorded)", async () => {
    nockNoChargebackConfig(ORG);
    const jobs = addRun("again", 1002, 1, "2026-01-15T10:00:00Z", matrixSpecs(3));
    await deliver(workflowRunPayload({ runId: 1002, repo: "again" }));
    await embedded.idle();
    // A second execution under another name (e.g. after Step Functions forgot the first one's name).
    const check = runCostInput(workflowRunPayload({ runId: 1002, repo: "again" }));
    if (!check.ok) throw new Error(check.reason);
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN,
        name: "manual-rerun-1002",
        input: JSON.stringify(check.input),
      }),
    );
    await embedded.idle();
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    expect(d.status).toBe("SUCCEEDED");
    expect(await repoTotals("again")).toMatchObject({ runs: 1, attempts: 1, costMicros: handPrice(jobs).micros });
  });

  it("two attempts of one run: runs 1, attempts 2, the cost of both", async () => {
    nockNoChargebackConfig(ORG);
    // Attempt 1 failed after 5 minutes, the re-run took 10: GitHub bills 15.
    const a1 = addRun("rerun", 1003, 1, "2026-01-15T10:00:00Z", [{ labels: ["ubuntu-latest"], seconds: 300 }]);
    const a2 = addRun("rerun", 1003, 2, "2026-01-15T11:00:00Z", [{ labels: ["ubuntu-latest"], seconds: 600 }]);
    // The re-run's webhook can arrive before the first attempt's: order must not matter.
    await deliver(workflowRunPayload({ runId: 1003, attempt: 2, repo: "rerun", updatedAt: "2026-01-15T11:00:00Z", conclusion: "success" }));
    await embedded.idle();
    await deliver(workflowRunPayload({ runId: 1003, attempt: 1, repo: "rerun", updatedAt: "2026-01-15T10:00:00Z", conclusion: "failure" }));
    await embedded.idle();

    const t = await repoTotals("rerun");
    expect(t).toMatchObject({ runs: 1, attempts: 2, minutes: 15, costMicros: 90_000 });
    expect(t!.costMicros).toBe(handPrice([...a1, ...a2]).micros);
    expect(t!.bySku).toEqual({ linux_2_core: { minutes: 15, costMicros: 90_000 } });
    const records = await runRecords("rerun");
    expect(records.map((r) => [r.attempt, r.conclusion, r.minutes])).toEqual([
      [1, "failure", 5],
      [2, "success", 10],
    ]);
  });

  // 200 executions in one process: its time follows the machine's load (about 35 s in a full run on 2 cores, more on a busy CI
  // machine), so it has its own generous timeout; it asserts exact totals, never a duration.
  it("200 distinct runs delivered concurrently give exact totals, per repository and per month", async () => {
    nockNoChargebackConfig(ORG);
    const repos = ["alpha", "beta", "gamma", "delta", "epsilon"];
    // Runs on both sides of the 2026-01-01 rate change, so the month split and the dated rates are both exercised.
    const months = [
      { month: "2025-12", at: "2025-12-20T12:00:00Z" },
      { month: "2026-01", at: "2026-01-20T12:00:00Z" },
    ];
    const expected = new Map<string, { runs: number; minutes: number; micros: number }>();
    const add = (key: string, minutes: number, micros: number): void => {
      const e = expected.get(key) ?? { runs: 0, minutes: 0, micros: 0 };
      expected.set(key, { runs: e.runs + 1, minutes: e.minutes + minutes, micros: e.micros + micros });
    };
    const payloads: object[] = [];
    for (let i = 0; i < 200; i++) {
      const repo = repos[i % repos.length]!;
      const { month, at } = months[Math.floor(i / 100)]!;
      const runId = 20_000 + i;
      const jobs = addRun(repo, runId, 1, at, matrixSpecs(1 + (i % 6), i));
      const { minutes, micros } = handPrice(jobs);
      add(repo, minutes, micros);
      add(`${repo}#${month}`, minutes, micros);
      add("ALL", minutes, micros);
      payloads.push(workflowRunPayload({ runId, repo, updatedAt: at }));
    }
    // Deliveries 25 at a time, as GitHub sends them (a burst, not 200 sockets at once on a 2-core machine that also
    // runs the engine in this process); the executions of earlier bursts are still running while later ones start.
    for (let i = 0; i < payloads.length; i += 25) await Promise.all(payloads.slice(i, i + 25).map((p) => deliver(p)));
    await embedded.idle();

    const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN, statusFilter: "FAILED" }));
    expect(list.executions ?? []).toEqual([]);
    const all = (await queryTotals({ org: ORG })).filter((t) => repos.includes(t.repository.split("/")[1]!));
    expect(all).toHaveLength(5);
    let sum = 0;
    for (const t of all) {
      const repo = t.repository.split("/")[1]!;
      const e = expected.get(repo)!;
      expect({ repo, runs: t.runs, attempts: t.attempts, minutes: t.minutes, costMicros: t.costMicros }).toEqual({
        repo,
        runs: e.runs,
        attempts: e.runs,
        minutes: e.minutes,
        costMicros: e.micros,
      });
      sum += t.costMicros;
    }
    expect(sum).toBe(expected.get("ALL")!.micros);
    for (const { month } of months) {
      const monthly = await queryTotals({ org: ORG, month });
      for (const repo of repos) {
        const t = monthly.find((m) => m.repository === `${ORG}/${repo}`);
        const e = expected.get(`${repo}#${month}`)!;
        expect({ repo, month, runs: t?.runs, costMicros: t?.costMicros, minutes: t?.minutes }).toEqual({
          repo,
          month,
          runs: e.runs,
          costMicros: e.micros,
          minutes: e.minutes,
        });
      }
    }
  }, 300_000);

  it("GitHub failing persistently: retried, FAILED at Price with the failure notified, then redriven once GitHub is back and counted once", async () => {
    // Replace the jobs interceptor of beforeEach with one that always fails.
    nock.cleanAll();
    nockInstallationTokens();
    nockNoChargebackConfig(ORG);
    const failing = nock(API)
      .persist()
      .get(/\/repos\/acme\/broken\/actions\/runs\/1005\/attempts\/1\/jobs/)
      .query(true)
      .reply(500, { message: "Server Error" });
    let calls = 0;
    failing.on("request", () => (calls += 1));
    const before = embedded.outbox.read().length;
    await deliver(workflowRunPayload({ runId: 1005, repo: "broken" }));
    await embedded.idle();

    const d = await execution("broken", 1005, 1);
    expect(d.status).toBe("FAILED");
    expect(d.error).toBe("TransientError");
    expect(d.redriveStatus).toBe("REDRIVABLE");
    expect(calls).toBe(5); // the first try and 4 retries (MaxAttempts 4)
    const messages = embedded.outbox.read().slice(before);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ attributes: { outcome: "failure" } });
    expect(messages[0]!.message).toContain("ended FAILED");
    expect(messages[0]!.message).toContain(d.name!);
    expect(messages[0]!.message).toContain("HTTP 500");
    expect(messages[0]!.message).toContain(`npx org-flows executions redrive ${d.name}`);
    expect(await repoTotals("broken")).toBeUndefined();

    // GitHub is back: the same execution resumes at Price, under the same name, and records the attempt once.
    nock.cleanAll();
    nockInstallationTokens();
    nockNoChargebackConfig(ORG);
    serveJobs();
    const jobs = addRun("broken", 1005, 1, "2026-01-15T10:00:00Z", matrixSpecs(3));
    await sfn.send(new RedriveExecutionCommand({ executionArn: d.executionArn! }));
    await embedded.idle();
    const after = await execution("broken", 1005, 1);
    expect(after).toMatchObject({ status: "SUCCEEDED", redriveCount: 1 });
    expect(await repoTotals("broken")).toMatchObject({ runs: 1, attempts: 1, costMicros: handPrice(jobs).micros });
    // A redelivery after the redrive changes nothing; a succeeded execution cannot be redriven.
    await deliver(workflowRunPayload({ runId: 1005, repo: "broken" }));
    await embedded.idle();
    await expect(sfn.send(new RedriveExecutionCommand({ executionArn: d.executionArn! }))).rejects.toMatchObject({ name: "ExecutionNotRedrivable" });
    expect(await repoTotals("broken")).toMatchObject({ runs: 1, attempts: 1, costMicros: handPrice(jobs).micros });
  });

  it("an invalid chargeback.yml is not retried: the notification names the file, field and problem", async () => {
    nockChargebackConfig(ORG, "rates:\n  linux_4_core: 0.012\n  colour: 0.01\n");
    addRun("configured", 1006, 1, "2026-01-15T10:00:00Z", matrixSpecs(2));
    const before = embedded.outbox.read().length;
    jobRequests.length = 0;
    await deliver(workflowRunPayload({ runId: 1006, repo: "configured" }));
    await embedded.idle();
    const d = await execution("configured", 1006, 1);
    expect(d.status).toBe("FAILED");
    expect(d.error).toBe("ConfigurationError");
    expect(jobRequests).toHaveLength(1);
    const [msg] = embedded.outbox.read().slice(before);
    expect(msg!.message).toContain("acme/.github:.github/chargeback.yml: rates.colour: unknown SKU");
  });

  it("minutes on a runner nothing can price are recorded, flagged and notified", async () => {
    nockNoChargebackConfig(ORG);
    nock(API).get(`/orgs/${ORG}/actions/hosted-runners`).query(true).reply(200, { total_count: 0, runners: [] });
    addRun("odd", 1007, 1, "2026-01-15T10:00:00Z", [
      { labels: ["gpu-monster"], seconds: 600 },
      { labels: ["ubuntu-latest"], seconds: 60 },
    ]);
    const before = embedded.outbox.read().length;
    await deliver(workflowRunPayload({ runId: 1007, repo: "odd" }));
    await embedded.idle();
    expect((await execution("odd", 1007, 1)).status).toBe("SUCCEEDED");
    expect(await repoTotals("odd")).toMatchObject({ runs: 1, minutes: 11, unknownMinutes: 10, costMicros: 6000, unknownLabels: ["gpu-monster"] });
    const [msg] = embedded.outbox.read().slice(before);
    expect(msg).toMatchObject({ subject: "Workflow run with unpriced minutes: run 1007 attempt 1", attributes: { outcome: "partial" } });
    expect(msg!.message).toContain("10 min on unpriced runners (gpu-monster)");
  });

  it("totals lost or damaged are rebuilt exactly from the run records", async () => {
    const months = ["2025-12", "2026-01", "2026-11"];
    const snapshot = async () => {
      const all = await queryTotals({ org: ORG });
      const monthly = (await Promise.all(months.map((month) => queryTotals({ org: ORG, month })))).flat();
      return [...all, ...monthly]
        .map((t) => ({ ...t, unknownLabels: [...t.unknownLabels].sort() }))
        .sort((a, b) => `${a.repository}${a.period}`.localeCompare(`${b.repository}${b.period}`));
    };
    const before = await snapshot();
    expect(before.length).toBeGreaterThan(3);
    // Damage: one totals item loses its figures, another disappears, as if executions failed before adding them.
    const [first, second] = before;
    await dynamoClient().send(
      new UpdateItemCommand({
        TableName: tableName(),
        Key: { pk: { S: `REPO#${first!.repository.toLowerCase()}` }, sk: { S: first!.period === "ALL" ? "TOTALS" : `TOTALS#${first!.period}` } },
        UpdateExpression: "SET costMicros = :z, runs = :z",
        ExpressionAttributeValues: { ":z": { N: "0" } },
      }),
    );
    await dynamoClient().send(
      new DeleteItemCommand({
        TableName: tableName(),
        Key: { pk: { S: `REPO#${second!.repository.toLowerCase()}` }, sk: { S: second!.period === "ALL" ? "TOTALS" : `TOTALS#${second!.period}` } },
      }),
    );
    expect(await snapshot()).not.toEqual(before);
    const result = await rebuildTotals(ORG);
    expect(result.runs).toBeGreaterThan(200);
    expect(await snapshot()).toEqual(before);
  });
});
