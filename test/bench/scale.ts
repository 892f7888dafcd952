/**
 * Scale benchmark (`npm run bench:scale`): a synthetic org on the GitHub stand-in (5,000 repositories with 2
 * completed runs each, every 5th re-run, and 5,000 members by default), backfilled on the embedded default: first
 * the workflow runs, then the members. Prints the wall time, the executions each backfill ran and how many a second,
 * the GitHub calls made against the ones needed, and the largest execution of each machine: its history events (as
 * AWS counts them) and its largest state data, as fractions of AWS's limits (25,000 events, 256 KiB). Exits 1 when a
 * backfill did not succeed exactly or an execution reached a limit. Sizes: BENCH_SCALE_REPOS, BENCH_SCALE_RUNS,
 * BENCH_SCALE_MEMBERS.
 */
import { generateKeyPairSync } from "node:crypto";
import { SFNClient } from "@aws-sdk/client-sfn";
import { backfillState, startBackfill } from "../../app/backfill/start.js";
import { memberBackfillState, startMemberBackfill } from "../../app/backfill/start-members.js";
import { PER_PAGE } from "../../app/backfill/runs.js";
import { machineArn } from "../../app/dispatch/machines.js";
import { resetCredentialsCache } from "../../app/secrets.js";
import { resetInstallationClients } from "../../app/github/octokit.js";
import { generateHistory } from "../../infra/local/backfill-history.js";
import { startEmbedded } from "../../infra/local/embedded.js";
import { startGitHubStandin } from "../../infra/local/github-standin.js";
import { HISTORY_EVENT_LIMIT } from "../../infra/local/redrive.js";
import type { ExecutionRecord, HistoryEventRecord } from "../../infra/local/execution-store.js";

const LIMIT_BYTES = 256 * 1024;
const repositories = Number(process.env.BENCH_SCALE_REPOS ?? 5_000);
const runsPerRepository = Number(process.env.BENCH_SCALE_RUNS ?? 2);
const memberCount = Number(process.env.BENCH_SCALE_MEMBERS ?? 5_000);

/** Per machine: executions, and the largest one's events and state data (from the engine's AWS-model history). */
interface Largest {
  executions: Set<string>;
  events: number;
  eventsOf: string;
  bytes: number;
  bytesOf: string;
}
const byMachine = new Map<string, Largest>();
const machineOf = (arn: string): string => arn.split(":")[6] ?? arn;

function probe(e: HistoryEventRecord, rec: ExecutionRecord): void {
  const machine = machineOf(rec.stateMachineArn);
  const m = byMachine.get(machine) ?? { executions: new Set(), events: 0, eventsOf: "", bytes: 0, bytesOf: "" };
  byMachine.set(machine, m);
  m.executions.add(rec.executionArn);
  if (e.id > m.events) Object.assign(m, { events: e.id, eventsOf: rec.name });
  const data =
    (e.stateEnteredEventDetails as { input?: string } | undefined)?.input ??
    (e.stateExitedEventDetails as { output?: string } | undefined)?.output ??
    (e.executionStartedEventDetails as { input?: string } | undefined)?.input;
  if (data !== undefined && data.length > m.bytes / 4) {
    const bytes = Buffer.byteLength(data);
    if (bytes > m.bytes) Object.assign(m, { bytes, bytesOf: rec.name });
  }
}

const members = Array.from({ length: memberCount }, (_, i) => ({ login: `member-${i + 1}`, id: 700_000 + i }));
const history = generateHistory({ org: "scale", repositories, runsPerRepository, start: "2026-10-01T00:00:00Z", spacingSeconds: 60, rerunEvery: 5 });
const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const standin = await startGitHubStandin({
  appId: 7,
  publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  orgs: [{ login: "scale", teams: {}, installationId: 99, repositories: history.repositories, members, files: { ".github/onboarding.yml": "teams: []\n" } }],
  users: members.map((m) => ({ login: m.login, id: m.id, name: m.login })),
  runs: history.runs,
  jobs: history.jobs,
});
Object.assign(process.env, {
  APP_ID: "7",
  PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  GHE_HOST: standin.host,
  GHE_PROTOCOL: "http",
  LOG_LEVEL: "warn",
});
delete process.env.DIRECTORY_FILE;
resetCredentialsCache();
resetInstallationClients();
const embedded = await startEmbedded({ eventProbe: probe });
const sfn = new SFNClient({});
let ok = true;

function executionsOf(...machines: string[]): number {
  return machines.reduce((n, m) => n + (byMachine.get(m)?.executions.size ?? 0), 0);
}

console.log(
  `\nscale benchmark on the embedded default: ${repositories} repositories x ${runsPerRepository} runs (${history.expected.attempts} attempts), ${memberCount} members`,
);

const callsBefore = standin.calls.length;
let t0 = performance.now();
const runs = await startBackfill(sfn, machineArn("backfill"), {
  org: "scale",
  from: "2026-10-01T00:00:00Z",
  to: "2026-12-31T23:59:59Z",
  repository: null,
  concurrency: { repositories: 8, runs: 8 },
});
await embedded.idle();
const runSeconds = (performance.now() - t0) / 1000;
const runState = await backfillState(sfn, runs.executionArn);
const runExecutions = executionsOf("backfill", "backfill-repositories", "backfill-repository", "backfill-page", "workflow-run-cost");
const runCalls = standin.calls.slice(callsBefore).filter((c) => /\/installation\/repositories$|\/actions\/runs$|\/jobs$/.test(c.path)).length;
const neededRunCalls = Math.ceil(repositories / PER_PAGE) + repositories * Math.max(1, Math.ceil(runsPerRepository / PER_PAGE)) + history.expected.attempts;
const runsExact = runState.status === "SUCCEEDED" && runState.totals.attempts === history.expected.attempts && runState.totals.failures === 0;
ok &&= runsExact;
console.log(
  `  runs backfill     ${runState.status}, ${runState.totals.attempts} of ${history.expected.attempts} attempts priced, ${runState.totals.failures} failures`,
);
console.log(`                    ${runSeconds.toFixed(1)} s, ${runExecutions} executions, ${(runExecutions / runSeconds).toFixed(1)} executions/s`);
console.log(`                    GitHub listing and job calls: ${runCalls} made, ${neededRunCalls} needed (${(runCalls / neededRunCalls).toFixed(2)})`);

const memberCallsBefore = standin.calls.length;
t0 = performance.now();
const mbf = await startMemberBackfill(sfn, machineArn("memberBackfill"), { org: "scale", teams: false, concurrency: 10 });
await embedded.idle();
const memberSeconds = (performance.now() - t0) / 1000;
const memberState = await memberBackfillState(sfn, mbf.executionArn);
const memberExecutions = executionsOf("member-backfill", "member-backfill-page", "member-onboarding");
const memberCalls = standin.calls.slice(memberCallsBefore).filter((c) => /\/members$/.test(c.path)).length;
const neededMemberCalls = Math.floor(memberCount / 100) + 1;
const membersExact = memberState.status === "SUCCEEDED" && memberState.totals.onboarded === memberCount && memberState.totals.failures === 0;
ok &&= membersExact;
console.log(
  `  member backfill   ${memberState.status}, ${memberState.totals.onboarded} of ${memberCount} members onboarded, ${memberState.totals.failures} failures`,
);
console.log(`                    ${memberSeconds.toFixed(1)} s, ${memberExecutions} executions, ${(memberExecutions / memberSeconds).toFixed(1)} executions/s`);
console.log(`                    GitHub member pages: ${memberCalls} made, ${neededMemberCalls} needed (${(memberCalls / neededMemberCalls).toFixed(2)})`);

console.log(`\n  largest execution of each machine, as AWS counts its history (limit ${HISTORY_EVENT_LIMIT} events, 256 KiB of state data):`);
console.log(
  `  ${"machine".padEnd(22)} ${"executions".padStart(10)} ${"events".padStart(8)} ${"of limit".padStart(8)} ${"state KiB".padStart(10)} ${"of limit".padStart(8)}`,
);
for (const [machine, m] of [...byMachine].sort((a, b) => b[1].events - a[1].events)) {
  const events = m.events / HISTORY_EVENT_LIMIT;
  const bytes = m.bytes / LIMIT_BYTES;
  if (m.events >= HISTORY_EVENT_LIMIT || m.bytes > LIMIT_BYTES) ok = false;
  console.log(
    `  ${machine.padEnd(22)} ${String(m.executions.size).padStart(10)} ${String(m.events).padStart(8)} ${`${(events * 100).toFixed(1)}%`.padStart(8)} ${(m.bytes / 1024).toFixed(1).padStart(10)} ${`${(bytes * 100).toFixed(1)}%`.padStart(8)}`,
  );
}
console.log(ok ? "\n  every backfill exact, every execution within AWS's limits" : "\n  FAILED: a backfill was not exact or an execution reached a limit");

sfn.destroy();
await embedded.stop();
await standin.close();
process.exit(ok ? 0 : 1);
