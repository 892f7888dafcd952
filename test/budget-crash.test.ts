import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { runExecutionName } from "../app/dispatch/execution-name.js";
import { runCostInput } from "../app/handlers/workflow-run-completed.js";
import type { RunCostInput } from "../app/records/run-input.js";
import { queryBudgetAlerts } from "../app/store/finance-query.js";
import { closeDynamoClient } from "../app/store/dynamo.js";
import { startEmbedded } from "../infra/local/embedded.js";
import { startGitHubStandin, type GitHubStandin, type StandinJob } from "../infra/local/github-standin.js";
import { runCrashEngine, type CrashPlan, type CrashRun } from "./helpers/crash-engine-process.js";
import { INSTALLATION_ID, jobsFor, ORG, workflowRunPayload } from "./fixtures/jobs.js";

/**
 * Budget alerts under crashes: the embedded engine is killed (SIGKILL, in a child process) at each step of the
 * budget path, each time in an attempt that crosses the org's budget in a month of its own, then started again on
 * the same data folder (interrupted executions run again from the start). Every month's alert must be sent exactly
 * once, except where the kill falls after SNS accepted the message and before it was marked sent: the one window
 * the README documents, where it is sent twice (never lost).
 */
const POINTS = [
  "task:RecordFirstOfRun:after",
  "event:ChoiceStateEntered:AfterRecording",
  "task:DecideBudgetAlerts:before",
  "task:DecideBudgetAlerts:after",
  "task:ClaimBudgetAlert:before",
  "task:ClaimBudgetAlert:after",
  "task:PublishBudgetAlert:before",
  "task:MarkBudgetAlertSent:before",
  "task:MarkBudgetAlertSent:after",
  "task:PublishBudgetAlert:after",
];
/** After SNS accepted the message, before the marker says sent: the resumed execution sends it again. */
const WINDOW = new Set(["task:PublishBudgetAlert:after", "task:MarkBudgetAlertSent:before"]);

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const dataDir = mkdtempSync(join(tmpdir(), "budget-crash-"));
let standin: GitHubStandin;
const jobs: Record<string, StandinJob[]> = {};

function month(i: number): string {
  return `2025-${String(i + 1).padStart(2, "0")}`;
}

/** One attempt (5 min on Linux, $0.04 at 2025 rates) in month i: it crosses the org's $0.01 budget. */
function attempt(i: number): { name: string; input: RunCostInput } {
  const runId = 80_000 + i;
  const at = `${month(i)}-15T10:00:00Z`;
  jobs[`${ORG}/budget#${runId}#1`] = jobsFor(runId, 1, at, [{ labels: ["ubuntu-latest"], seconds: 300 }]) as StandinJob[];
  const made = runCostInput({ ...workflowRunPayload({ runId, repo: "budget", updatedAt: at }), installation: { id: INSTALLATION_ID } });
  if (!made.ok) throw new Error(made.reason);
  return { name: runExecutionName(`${ORG}/budget`, runId, 1), input: made.input };
}

function child(plan: CrashPlan, n: number): Promise<CrashRun> {
  return runCrashEngine(plan, n, { dataDir, privateKey, githubHost: standin.host });
}

beforeAll(async () => {
  standin = await startGitHubStandin({
    appId: 1,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    orgs: [{ login: ORG, teams: {}, files: { ".github/chargeback.yml": "budgets:\n  - scope: org\n    monthlyUsd: 0.01\n    alertAt: [100]\n" } }],
    users: [],
    jobs,
  });
});

afterAll(async () => {
  await standin.close();
});

test(`killed at ${POINTS.length} points of the budget path and resumed: each month's alert sent once (twice only in the documented window)`, async () => {
  const missed: string[] = [];
  const all: Array<{ name: string; input: RunCostInput }> = [];
  for (const [i, point] of POINTS.entries()) {
    all.push(attempt(i));
    const r = await child({ crashAt: point, executions: all }, i);
    if (r.signal !== "SIGKILL") missed.push(`${point}: exit ${r.signal ?? r.code}`);
  }
  expect(await child({ executions: all }, POINTS.length)).toMatchObject({ code: 0 });
  expect(missed).toEqual([]);

  const embedded = await startEmbedded({ dataDir });
  try {
    const sent = embedded.outbox.read().filter((m) => m.attributes?.outcome === "budget");
    const perMonth = POINTS.map((point, i) => [point, sent.filter((m) => m.subject?.includes(` ${month(i)},`)).length]);
    expect(perMonth).toEqual(POINTS.map((point) => [point, WINDOW.has(point) ? 2 : 1]));
    const markers = await queryBudgetAlerts(ORG);
    expect(markers.map((m) => [m.month, m.pct, m.sent]).sort()).toEqual(POINTS.map((_, i) => [month(i), 100, true]).sort());
  } finally {
    closeDynamoClient();
    await embedded.stop();
  }
}, 600_000);
