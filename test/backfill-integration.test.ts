import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createPublicKey } from "node:crypto";
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import nock from "nock";
import type { Probot } from "probot";
import { backfillState, startBackfill } from "../app/backfill/start.js";
import type { BackfillInput } from "../app/backfill/contract.js";
import { main as backfillCli } from "../app/cli/backfill.js";
import { main as executionsCli } from "../app/cli/executions.js";
import { clearChargebackCache } from "../app/config/chargeback.js";
import { machineArn } from "../app/dispatch/machines.js";
import { queryTotals } from "../app/store/chargeback-query.js";
import { resetCredentialsCache } from "../app/secrets.js";
import { resetInstallationClients } from "../app/github/octokit.js";
import { deliveryPayload, generateHistory, type History } from "../infra/local/backfill-history.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { startGitHubStandin, type GitHubStandin } from "../infra/local/github-standin.js";
import { privateKey, testProbot } from "./helpers/app-env.js";

/**
 * The backfill machines end to end on the embedded default against the GitHub stand-in (a real HTTP server with
 * the App's JWT and installation tokens): org parent -> repository children -> page children -> workflow-run-cost
 * children under the webhook's execution names, racing live deliveries of the same runs.
 */
const ORG = "acme";
const INSTALLATION = 77;
let history: History;
let standin: GitHubStandin;
let embedded: Embedded;
let sfn: SFNClient;
let probot: Probot;

const input = (o: Partial<BackfillInput> = {}): BackfillInput => ({
  org: ORG,
  from: "2026-10-01T00:00:00Z",
  to: "2026-10-31T23:59:59Z",
  repository: null,
  concurrency: { repositories: 3, runs: 4 },
  ...o,
});

const jobCalls = (): number => standin.calls.filter((c) => c.path.endsWith("/jobs")).length;

async function finish(executionArn: string) {
  await embedded.idle();
  const state = await backfillState(sfn, executionArn);
  if (state.status !== "SUCCEEDED") {
    const { GetExecutionHistoryCommand } = await import("@aws-sdk/client-sfn");
    const h = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    process.stderr.write(
      `${h
        .events!.slice(-8)
        .map((e) => JSON.stringify(e).slice(0, 600))
        .join("\n")}\n`,
    );
  }
  return state;
}

beforeAll(async () => {
  // 3 repositories x 12 runs, every 4th run re-run: 36 runs, 45 attempts in October 2026.
  history = generateHistory({ org: ORG, repositories: 3, runsPerRepository: 12, start: "2026-10-02T08:00:00Z", spacingSeconds: 3600, rerunEvery: 4 });
  standin = await startGitHubStandin({
    appId: 123,
    publicKeyPem: createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
    orgs: [{ login: ORG, teams: {}, installationId: INSTALLATION, repositories: history.repositories }],
    users: [],
    runs: history.runs,
    jobs: history.jobs,
  });
  nock.enableNetConnect();
  Object.assign(process.env, { APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "test-secret", GHE_HOST: standin.host, GHE_PROTOCOL: "http" });
  resetCredentialsCache();
  resetInstallationClients();
  clearChargebackCache();
  embedded = await startEmbedded({ retryIntervalMs: 10 });
  sfn = new SFNClient({});
  probot = await testProbot();
});

afterAll(async () => {
  sfn?.destroy();
  await embedded?.stop();
  await standin?.close();
  delete process.env.GHE_HOST;
  delete process.env.GHE_PROTOCOL;
});

describe("backfill", () => {
  it("racing live deliveries of the same runs, prices every attempt once and the totals match a hand computation", async () => {
    const backfill = startBackfill(sfn, machineArn("backfill"), input());
    // Deliveries of a third of the attempts arrive while the backfill runs (and some arrived before).
    const live = history.attempts.filter((_, i) => i % 3 === 0);
    await Promise.all(
      live.map((a, i) =>
        probot.receive({
          id: `live-${i}`,
          name: "workflow_run",
          payload: deliveryPayload(a, ORG, INSTALLATION, history.repositories.find((r) => a.repository.endsWith(`/${r.name}`))!.id),
        } as never),
      ),
    );
    const started = await backfill;
    expect(started.started).toBe(true);
    const state = await finish(started.executionArn);
    expect(state.status).toBe("SUCCEEDED");
    expect(state.totals).toMatchObject({ repositories: 3, runs: history.expected.runs, attempts: history.expected.attempts, failures: 0, unreachable: 0 });
    expect(history.expected).toMatchObject({ runs: 36, attempts: 45 });

    const totals = await queryTotals({ org: ORG });
    const byRepo = Object.fromEntries(totals.map((t) => [t.repository, { runs: t.runs, attempts: t.attempts, minutes: t.minutes, costMicros: t.costMicros }]));
    expect(byRepo).toEqual(history.expected.byRepository);
    // One pricing execution per attempt, however many starts met on its name; each attempt's jobs fetched once.
    const priced = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn("workflowRunCost"), maxResults: 1000 }));
    expect(priced.executions?.length).toBe(45);
    expect(jobCalls()).toBe(45);
  });

  it("a second backfill adds nothing and fetches no job page", async () => {
    const before = { jobs: jobCalls(), totals: await queryTotals({ org: ORG }) };
    const started = await startBackfill(sfn, machineArn("backfill"), input(), new Date(Date.now() + 5_000));
    const state = await finish(started.executionArn);
    expect(state.status).toBe("SUCCEEDED");
    expect(state.totals).toMatchObject({ runs: 36, attempts: 45, failures: 0 });
    expect(jobCalls()).toBe(before.jobs);
    expect(await queryTotals({ org: ORG })).toEqual(before.totals);
  });

  it("one backfill per org: a second start while one runs reports the running one", async () => {
    standin.rateLimitAfter(0, 2); // holds the first backfill in its rate-limit Wait for ~2 s
    const first = await startBackfill(sfn, machineArn("backfill"), input(), new Date(Date.now() + 10_000));
    const second = await startBackfill(sfn, machineArn("backfill"), input({ repository: `${ORG}/service-001` }), new Date(Date.now() + 20_000));
    expect(first.started).toBe(true);
    expect(second).toEqual({ name: first.name, executionArn: first.executionArn, started: false });
    const state = await finish(first.executionArn);
    expect(state.status).toBe("SUCCEEDED");
    // The rate-limited call was waited out (a Wait state), not failed, and counted.
    expect(state.totals.githubCalls).toBeGreaterThan(1 + 1 + 3);
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(d.status).toBe("SUCCEEDED");
  });

  it("the command prints one JSON object with the totals and exits 0 when it succeeded", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) } };
    const code = await backfillCli(
      ["--org", ORG, "--since", "2026-10-01", "--until", "2026-10-31", "--repo", `${ORG}/service-002`, "--wait", "--format", "json"],
      io,
      {
        pollMs: 50,
        now: new Date(Date.now() + 30_000),
      },
    );
    expect(err.join("")).not.toMatch(/error/i);
    expect(code).toBe(0);
    const result = JSON.parse(out.join("")) as Record<string, unknown>;
    expect(result).toMatchObject({ status: "SUCCEEDED", repositories: 1, runs: 12, attempts: 15, failures: 0 });
    expect(result.execution).toMatch(/^bf-acme-\d{12}$/);
    expect(result.githubCalls).toBe(3);
  });

  it("npm run executions names each child's parent", async () => {
    const out: string[] = [];
    const io = { out: { write: (s: string) => out.push(s) }, err: { write: () => true } };
    expect(await executionsCli(["--machine", "backfill-repository", "--format", "json", "--limit", "100"], io)).toBe(0);
    const rows = JSON.parse(out.join("")) as Array<{ name: string; parent: string }>;
    expect(rows.length).toBeGreaterThan(0);
    // A repository child's parent is the page child that listed it (`<backfill>-p<page>-<redrive count>`); the child
    // is named after the backfill itself, so that the progress line finds every repository of the backfill.
    for (const r of rows) {
      const backfill = /^(.*)-p\d+-\d+$/.exec(r.parent)?.[1];
      expect(backfill).toBeDefined();
      expect(r.name.startsWith(`${backfill}-r`)).toBe(true);
    }
  });
});
