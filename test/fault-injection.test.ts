import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { runExecutionName } from "../app/dispatch/execution-name.js";
import { runCostInput } from "../app/handlers/workflow-run-completed.js";
import type { RunCostInput } from "../app/records/run-input.js";
import { queryTotals } from "../app/store/chargeback-query.js";
import { closeDynamoClient } from "../app/store/dynamo.js";
import { startEmbedded } from "../infra/local/embedded.js";
import { startGitHubStandin, type GitHubStandin, type StandinJob } from "../infra/local/github-standin.js";
import { runCrashEngine, type CrashPlan, type CrashRun } from "./helpers/crash-engine-process.js";
import { handPrice, INSTALLATION_ID, jobsFor, ORG, workflowRunPayload, type JobSpec } from "./fixtures/jobs.js";

/**
 * Exactly once under crashes: the embedded engine is killed (SIGKILL, in a child process) at every state boundary of
 * the workflow-run-cost machine, inside each task before and after its side effect, and inside the recording
 * transaction; each time it is started again on the same data folder, resumes the interrupted execution from the
 * start, and the totals must equal a hand computation to the micro-dollar: 0 lost, 0 counted twice.
 */
const STATES_ON_PATHS = [
  "Price",
  "RecordFirstOfRun",
  "CountTry",
  "FirstTry",
  "LookUpAttempt",
  "AttemptRecorded",
  "LookUpRunSeen",
  "RunCounted",
  "RecordRepeatOfRun",
  "AfterRecording",
  "NotifyUnpricedMinutes",
  "Recorded",
];
const TYPES: Record<string, string> = {
  Price: "Task",
  RecordFirstOfRun: "Task",
  LookUpAttempt: "Task",
  LookUpRunSeen: "Task",
  RecordRepeatOfRun: "Task",
  NotifyUnpricedMinutes: "Task",
  CountTry: "Choice",
  AttemptRecorded: "Choice",
  RunCounted: "Choice",
  AfterRecording: "Choice",
  FirstTry: "Pass",
  Recorded: "Pass",
};
const TASKS = ["Price", "RecordFirstOfRun", "LookUpAttempt", "LookUpRunSeen", "RecordRepeatOfRun", "NotifyUnpricedMinutes"];
const POINTS = [
  ...STATES_ON_PATHS.flatMap((s) => [`event:${TYPES[s]}StateEntered:${s}`, `event:${TYPES[s]}StateExited:${s}`]),
  ...TASKS.flatMap((t) => [`task:${t}:before`, `task:${t}:after`]),
  "tx:journaled",
  "tx:applied-one",
  "tx:applied-all",
  "tx:token-recorded",
];

const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const dataDir = mkdtempSync(join(tmpdir(), "fault-"));
let standin: GitHubStandin;
const jobs: Record<string, StandinJob[]> = {};
const expected = { runs: 0, attempts: 0, minutes: 0, micros: 0, unknownMinutes: 0 };

/**
 * Per kill point, one run of two attempts that together take every path: attempt 1 is the first of its run; attempt 2
 * is a repeat (its first transaction is cancelled and the lookups choose the repeat variant) with minutes on an
 * unrecognised runner (the notification path).
 */
function scenario(i: number): Array<{ name: string; input: RunCostInput }> {
  const runId = 70_000 + i;
  const repo = `fault${i % 3}`;
  const out = [];
  for (const attempt of [1, 2]) {
    const specs: JobSpec[] = [
      { labels: ["ubuntu-latest"], seconds: 61 + i },
      { labels: ["macos-14"], seconds: 125 },
      ...(attempt === 2 ? [{ labels: ["mystery-box"], seconds: 300 }] : []),
    ];
    const list = jobsFor(runId, attempt, "2026-01-15T10:00:00Z", specs) as StandinJob[];
    jobs[`${ORG}/${repo}#${runId}#${attempt}`] = list;
    const priced = handPrice(list.filter((j) => j.labels[0] !== "mystery-box"));
    const unknown = attempt === 2 ? 5 : 0; // 300 s on a runner nothing prices: 5 minutes, flagged
    expected.attempts += 1;
    expected.minutes += priced.minutes + unknown;
    expected.micros += priced.micros;
    expected.unknownMinutes += unknown;
    const made = runCostInput({ ...workflowRunPayload({ runId, repo, attempt }), installation: { id: INSTALLATION_ID } });
    if (!made.ok) throw new Error(made.reason);
    out.push({ name: runExecutionName(`${ORG}/${repo}`, runId, attempt), input: made.input });
  }
  expected.runs += 1;
  return out;
}

function child(plan: CrashPlan, n: number): Promise<CrashRun> {
  return runCrashEngine(plan, n, { dataDir, privateKey, githubHost: standin.host });
}

beforeAll(async () => {
  standin = await startGitHubStandin({
    appId: 1,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    orgs: [{ login: ORG, teams: {} }],
    users: [],
    jobs,
  });
});

afterAll(async () => {
  await standin.close();
});

test(`killed at each of ${POINTS.length} points and resumed: totals exact to the micro-dollar, nothing lost, nothing counted twice`, async () => {
  const missed: string[] = [];
  const all: Array<{ name: string; input: RunCostInput }> = [];
  for (const [i, point] of POINTS.entries()) {
    // This start resumes what the previous kill interrupted, starts what it never reached (names already started
    // are refused by Step Functions), then this point's attempts, until the kill.
    all.push(...scenario(i));
    const r = await child({ crashAt: point, executions: all }, i);
    if (r.signal !== "SIGKILL") missed.push(`${point}: exit ${r.signal ?? r.code}`);
  }
  const last = await child({ executions: all }, POINTS.length);
  expect(last).toMatchObject({ code: 0 });
  // Every point was reached, so every kill really happened where it says.
  expect(missed).toEqual([]);

  const embedded = await startEmbedded({ dataDir });
  try {
    const totals = await queryTotals({ org: ORG });
    const sum = (k: "runs" | "attempts" | "minutes" | "costMicros" | "unknownMinutes") => totals.reduce((a, t) => a + t[k], 0);
    expect({ runs: sum("runs"), attempts: sum("attempts"), minutes: sum("minutes"), micros: sum("costMicros"), unknownMinutes: sum("unknownMinutes") }).toEqual(
      expected,
    );
    const monthly = await queryTotals({ org: ORG, month: "2026-01" });
    expect(monthly.reduce((a, t) => a + t.costMicros, 0)).toBe(expected.micros);
    expect(monthly.reduce((a, t) => a + t.runs, 0)).toBe(expected.runs);
  } finally {
    closeDynamoClient();
    await embedded.stop();
  }
}, 600_000);
