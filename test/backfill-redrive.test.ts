import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { createPublicKey } from "node:crypto";
import { DescribeExecutionCommand, RedriveExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import nock from "nock";
import { backfillState, startBackfill } from "../app/backfill/start.js";
import { clearChargebackCache } from "../app/config/chargeback.js";
import { machineArn } from "../app/dispatch/machines.js";
import { executionArnOf } from "../app/executions/sfn-client.js";
import { queryTotals } from "../app/store/chargeback-query.js";
import { resetCredentialsCache } from "../app/secrets.js";
import { resetInstallationClients } from "../app/github/octokit.js";
import { generateHistory, type History } from "../infra/local/backfill-history.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { startGitHubStandin, type GitHubStandin } from "../infra/local/github-standin.js";
import { privateKey } from "./helpers/app-env.js";

/**
 * A backfill child that failed is redriven to completion once its cause is fixed: GitHub fails the second page of one
 * repository's runs, that repository's child fails at its second page (the first was priced), the backfill goes on
 * with the others; after the outage the repository child is redriven and runs the failed page again under a new name
 * (`$$.Execution.RedriveCount`: Step Functions refuses a name already used), and the totals are exact.
 */
const ORG = "acme";
let history: History;
let standin: GitHubStandin;
let embedded: Embedded;
let sfn: SFNClient;

beforeAll(async () => {
  // 2 repositories x 101 runs: two pages of runs each, the second of one run (few executions: the suite is busy).
  history = generateHistory({ org: ORG, repositories: 2, runsPerRepository: 101, start: "2026-10-02T08:00:00Z", spacingSeconds: 600, rerunEvery: 0 });
  standin = await startGitHubStandin({
    appId: 123,
    publicKeyPem: createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
    orgs: [{ login: ORG, teams: {}, installationId: 78, repositories: history.repositories }],
    users: [],
    runs: history.runs,
    jobs: history.jobs,
  });
  nock.enableNetConnect();
  Object.assign(process.env, { APP_ID: "123", PRIVATE_KEY: privateKey, GHE_HOST: standin.host, GHE_PROTOCOL: "http" });
  resetCredentialsCache();
  resetInstallationClients();
  clearChargebackCache();
  embedded = await startEmbedded({ retryIntervalMs: 10 });
  sfn = new SFNClient({});
});

afterAll(async () => {
  sfn?.destroy();
  await embedded?.stop();
  await standin?.close();
  delete process.env.GHE_HOST;
  delete process.env.GHE_PROTOCOL;
}, 300_000);

test("a failed repository child is redriven to SUCCEEDED after the outage, the failed page run again, every attempt priced once", async () => {
  const failing = history.repositories[1]!;
  standin.failRequests(new RegExp(`/repos/${ORG}/${failing.name}/actions/runs\\?.*\\bpage=2\\b`), 500);
  const started = await startBackfill(sfn, machineArn("backfill"), {
    org: ORG,
    from: "2026-10-01T00:00:00Z",
    to: "2026-10-31T23:59:59Z",
    repository: null,
    concurrency: { repositories: 2, runs: 8 },
  });
  await embedded.idle();
  const first = await backfillState(sfn, started.executionArn);
  // The backfill goes on with the other repository and counts the failed one.
  expect({ status: first.status, error: first.error, cause: first.cause?.slice(0, 600) }).toEqual({ status: "SUCCEEDED", error: undefined, cause: undefined });
  expect(first.totals.failures).toBe(1);
  const child = executionArnOf(machineArn("backfillRepository"), `${started.name}-r${failing.id}`);
  const failed = await sfn.send(new DescribeExecutionCommand({ executionArn: child }));
  expect(failed.status).toBe("FAILED");
  const fullName = `${ORG}/${failing.name}`;
  const partial = (await queryTotals({ org: ORG })).find((t) => t.repository === fullName);
  expect(partial?.attempts).toBe(100);
  // One notification for the backfill, which counts the failure; none for the failed children (repository, page).
  const messages = embedded.outbox.read();
  expect(messages.map((m) => m.attributes?.outcome)).toEqual(["backfill"]);
  // The failed repository counts as one failure; its attempts priced before the failure are in the table, not here.
  expect(messages[0]!.subject).toBe(`Backfill of ${ORG}: 101 attempts priced, 1 failed`);

  standin.failRequests(undefined);
  await sfn.send(new RedriveExecutionCommand({ executionArn: child }));
  await embedded.idle();
  const redriven = await sfn.send(new DescribeExecutionCommand({ executionArn: child }));
  expect([redriven.status, redriven.redriveCount]).toEqual(["SUCCEEDED", 1]);
  expect(JSON.parse(redriven.output ?? "{}").totals).toMatchObject({ runs: 101, attempts: 101, failures: 0 });
  // The page that failed is run again under the redrive's name; the failed page child stays as it was.
  const page = (n: number, redrive: number) => executionArnOf(machineArn("backfillPage"), `${started.name}-r${failing.id}-${n}-${redrive}`);
  expect((await sfn.send(new DescribeExecutionCommand({ executionArn: page(1, 0) }))).status).toBe("FAILED");
  expect((await sfn.send(new DescribeExecutionCommand({ executionArn: page(1, 1) }))).status).toBe("SUCCEEDED");
  const totals = await queryTotals({ org: ORG });
  const byRepo = Object.fromEntries(totals.map((t) => [t.repository, { runs: t.runs, attempts: t.attempts, minutes: t.minutes, costMicros: t.costMicros }]));
  expect(byRepo).toEqual(history.expected.byRepository);
}, 400_000);
