/**
 * Backfill benchmark: N repositories with M completed runs each (every 5th re-run) on the GitHub stand-in, one
 * backfill on the embedded default. Prints the GitHub calls made against the minimum the issue allows (one per page
 * of repositories, one per page of runs, the job pages of each attempt; the installation lookup) and the attempts
 * priced per second. Not a test: it asserts nothing.
 */
import { generateKeyPairSync } from "node:crypto";
import { SFNClient } from "@aws-sdk/client-sfn";
import { backfillState, startBackfill } from "../../app/backfill/start.js";
import { PER_PAGE, SEARCH_CAP } from "../../app/backfill/runs.js";
import { machineArn } from "../../app/dispatch/machines.js";
import { resetCredentialsCache } from "../../app/secrets.js";
import { resetInstallationClients } from "../../app/github/octokit.js";
import { generateHistory } from "../../infra/local/backfill-history.js";
import { startEmbedded } from "../../infra/local/embedded.js";
import { startGitHubStandin } from "../../infra/local/github-standin.js";

export async function benchBackfill(): Promise<void> {
  const repositories = Number(process.env.BENCH_BACKFILL_REPOS ?? 10);
  const runsPerRepository = Number(process.env.BENCH_BACKFILL_RUNS ?? 120);
  const history = generateHistory({ org: "bench", repositories, runsPerRepository, start: "2026-10-01T00:00:00Z", spacingSeconds: 60, rerunEvery: 5 });
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const standin = await startGitHubStandin({
    appId: 7,
    publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
    orgs: [{ login: "bench", teams: {}, installationId: 99, repositories: history.repositories }],
    users: [],
    runs: history.runs,
    jobs: history.jobs,
  });
  Object.assign(process.env, {
    APP_ID: "7",
    PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    GHE_HOST: standin.host,
    GHE_PROTOCOL: "http",
  });
  resetCredentialsCache();
  resetInstallationClients();
  const embedded = await startEmbedded({});
  const sfn = new SFNClient({});
  const t0 = performance.now();
  const started = await startBackfill(sfn, machineArn("backfill"), {
    org: "bench",
    from: "2026-10-01T00:00:00Z",
    to: "2026-10-31T23:59:59Z",
    repository: null,
    concurrency: { repositories: 4, runs: 8 },
  });
  await embedded.idle();
  const seconds = (performance.now() - t0) / 1000;
  const state = await backfillState(sfn, started.executionArn);

  const count = (re: RegExp): number => standin.calls.filter((c) => re.test(c.path)).length;
  const listing = count(/^\/orgs\/[^/]+\/installation$|^\/installation\/repositories$|\/actions\/runs$/);
  const jobs = count(/\/jobs$/);
  const runPages = Object.values(history.runs).reduce((n, runs) => n + Math.max(1, Math.ceil(Math.min(runs.length, SEARCH_CAP) / PER_PAGE)), 0);
  const minimumListing = 1 + Math.max(1, Math.ceil(repositories / PER_PAGE)) + runPages;
  const minimumJobs = history.expected.attempts; // one page each: every attempt has fewer than 100 jobs
  const other = standin.calls.length - listing - jobs;
  console.log(
    `\nbackfill on the embedded default: ${repositories} repositories x ${runsPerRepository} runs (${history.expected.attempts} attempts), ${state.status}`,
  );
  console.log(`  listing calls  ${listing} made, ${minimumListing} needed (installation, repository pages, run pages)`);
  console.log(`  job pages      ${jobs} made, ${minimumJobs} needed (one per attempt)`);
  console.log(
    `  GitHub calls / minimum: ${((listing + jobs) / (minimumListing + minimumJobs)).toFixed(2)}  (besides: ${other} token and chargeback.yml reads made by the tasks)`,
  );
  console.log(
    `  ${(history.expected.attempts / seconds).toFixed(1)} attempts priced per second (${seconds.toFixed(1)} s, 4 repositories and 8 attempts per repository at once)`,
  );
  sfn.destroy();
  await embedded.stop();
  await standin.close();
}
