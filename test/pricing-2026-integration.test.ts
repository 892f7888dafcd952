// The 2026 bill end to end on the embedded backends (webhook handler -> real ASL -> price-run with nocked GitHub ->
// one transaction): the 2026 labels, a Dependabot run and a Pages build beside an ordinary run, a self-hosted fleet
// rate and a pull request, exact to the micro-dollar against hand-computed figures.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { QueryCommand } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import nock from "nock";
import type { Probot } from "probot";
import { clearChargebackCache } from "../app/config/chargeback.js";
import { jobsOfRecord } from "../app/records/run-jobs.js";
import { queryTotals } from "../app/store/chargeback-query.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { tableName } from "../app/store/table.js";
import { clearHostedRunnerCache } from "../app/tasks/hosted-runners.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { API, nockChargebackConfig, nockInstallationTokens } from "./fixtures/jobs-github.js";
import { jobsFor, jobsPage, ORG, workflowRunPayload, type JobSpec } from "./fixtures/jobs.js";
import { blockNetwork, setAppEnv, testProbot } from "./helpers/app-env.js";

let embedded: Embedded;
let probot: Probot;
const github = new Map<string, unknown[]>();
const CONFIG = "selfHosted:\n  - group: linux-fleet\n    usdPerMinute: 0.0015\n";
const AT = "2026-11-20T10:00:00Z";

function addRun(repo: string, runId: number, specs: JobSpec[], group?: string): void {
  const jobs = jobsFor(runId, 1, AT, specs).map((j) => (group && j.labels.includes("self-hosted") ? { ...j, runner_group_name: group } : j));
  github.set(`${repo}/${runId}/1`, jobs);
}

let delivery = 0;
function deliver(runId: number, repo: string, path: string, pullRequests: number[] = []): Promise<void> {
  const payload = workflowRunPayload({ runId, repo, updatedAt: AT });
  const run = payload.workflow_run as Record<string, unknown>;
  run.path = path;
  run.event = path.startsWith("dynamic/") ? "dynamic" : pullRequests.length ? "pull_request" : "push";
  run.pull_requests = pullRequests.map((n) => ({
    id: n * 10,
    number: n,
    url: `https://api.github.com/repos/acme/${repo}/pulls/${n}`,
    head: { ref: "f" },
    base: { ref: "main" },
  }));
  delivery += 1;
  return probot.receive({ id: `bill-${delivery}`, name: "workflow_run", payload } as unknown as Parameters<Probot["receive"]>[0]);
}

const min = (labels: string[], minutes: number): JobSpec => ({ labels, seconds: minutes * 60 - 5 });

beforeAll(async () => {
  setAppEnv();
  blockNetwork();
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  probot = await testProbot();
  clearChargebackCache();
  clearHostedRunnerCache();
  nockInstallationTokens();
  nock(API)
    .persist()
    .get(/^\/repos\/acme\/([^/]+)\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs/)
    .query(true)
    .reply((uri) => {
      const m = /^\/repos\/acme\/([^/]+)\/actions\/runs\/(\d+)\/attempts\/(\d+)\/jobs/.exec(uri)!;
      const jobs = github.get(`${m[1]!.toLowerCase()}/${m[2]}/${m[3]}`);
      return jobs ? [200, jobsPage(jobs)] : [404, { message: "Not Found" }];
    });
  for (let i = 0; i < 4; i++) nockChargebackConfig(ORG, CONFIG);

  // The ordinary run (PR #31): xcode-27 5 min, xcode-27-xlarge 3 min, windows-11-vs2026-arm 4 min, ubuntu-26.04-arm
  // 2 min, 10 min on the fleet.
  addRun(
    "app",
    501,
    [min(["xcode-27"], 5), min(["xcode-27-xlarge"], 3), min(["windows-11-vs2026-arm"], 4), min(["ubuntu-26.04-arm"], 2), min(["self-hosted", "linux"], 10)],
    "linux-fleet",
  );
  // Dependabot: 6 min on ubuntu-latest, free. Pages: 3 min ubuntu-latest free, 2 min macos-15-xlarge billed.
  addRun("app", 502, [min(["ubuntu-latest"], 6)]);
  addRun("app", 503, [min(["ubuntu-latest"], 3), min(["macos-15-xlarge"], 2)]);
  // A standard run in the same repo for contrast: 6 min ubuntu-latest.
  addRun("app", 504, [min(["ubuntu-latest"], 6)]);
  await Promise.all([
    deliver(501, "app", ".github/workflows/ci.yml", [31]),
    deliver(502, "app", "dynamic/dependabot/dependabot-updates"),
    deliver(503, "app", "dynamic/pages/pages-build-deployment"),
    deliver(504, "app", ".github/workflows/ci.yml"),
  ]);
  await embedded.idle();
}, 60_000);

afterAll(async () => {
  await embedded?.stop();
  nock.cleanAll();
  nock.enableNetConnect();
});

async function records(): Promise<Array<Record<string, unknown>>> {
  const out = await dynamoClient().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: "pk = :pk AND begins_with(sk, :run)",
      ExpressionAttributeValues: { ":pk": { S: "REPO#acme/app" }, ":run": { S: "RUN#" } },
    }),
  );
  return (out.Items ?? []).map((i) => unmarshall(i));
}

describe("the 2026 bill, end to end", () => {
  it("every run priced exactly; nothing unpriced; free uses at $0 with their reason", async () => {
    const byRun = Object.fromEntries((await records()).map((r) => [r.runId as number, r]));
    // 5 x 0.062 + 3 x 0.102 + 4 x 0.010 + 2 x 0.005 + 10 x 0.0015 (fleet)
    expect(byRun[501]).toMatchObject({ costMicros: 310_000 + 306_000 + 40_000 + 10_000 + 15_000, unknownMinutes: 0, minutes: 24, pullRequests: [31] });
    expect(byRun[501]?.bySku).toMatchObject({ self_hosted_group_linux_fleet: { jobs: 1, minutes: 10, costMicros: 15_000 } });
    expect(byRun[502]).toMatchObject({ costMicros: 0, minutes: 6, freeUse: { kind: "dependabot", minutes: 6 } });
    expect(byRun[503]).toMatchObject({ costMicros: 2 * 102_000, minutes: 5, freeUse: { kind: "pages", minutes: 3 } });
    expect(byRun[504]).toMatchObject({ costMicros: 36_000, minutes: 6 });
    expect(jobsOfRecord(byRun[502] as { jobList?: string })).toEqual([
      expect.objectContaining({ sku: "linux_2_core", minutes: 6, costMicros: 0, reason: "standard runner in a Dependabot run: free" }),
    ]);
  });

  it("the repository's totals are the sum, to the micro-dollar", async () => {
    const [t] = await queryTotals({ org: ORG, repo: "acme/app", month: "2026-11" });
    expect(t).toMatchObject({ runs: 4, attempts: 4, minutes: 41, unknownMinutes: 0, costMicros: 681_000 + 0 + 204_000 + 36_000 });
  });
});
