import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand, type HistoryEvent } from "@aws-sdk/client-sfn";
import nock from "nock";
import type { Probot } from "probot";
import { clearChargebackCache } from "../app/config/chargeback.js";
import { runExecutionName } from "../app/dispatch/execution-name.js";
import type { OnboardingInput } from "../app/records/onboarding-input.js";
import { clearHostedRunnerCache } from "../app/tasks/hosted-runners.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { billedTransitions } from "./bench/billed.js";
import { API, nockChargebackConfig, nockInstallationTokens, nockNoChargebackConfig } from "./fixtures/jobs-github.js";
import { jobsFor, jobsPage, ORG, workflowRunPayload } from "./fixtures/jobs.js";
import { blockNetwork, nockActiveMembers, setAppEnv, testProbot } from "./helpers/app-env.js";

/**
 * What one workflow run and one join cost in Step Functions Standard transitions, counted on the embedded engine from
 * the execution history as AWS bills them (each state entered, Map iterations included, plus retries).
 */
let embedded: Embedded;
let probot: Probot;
let sfn: SFNClient;

beforeAll(async () => {
  setAppEnv();
  blockNetwork();
  const dir = mkdtempSync(join(tmpdir(), "billed-"));
  process.env.DIRECTORY_FILE = join(dir, "people.json");
  writeFileSync(process.env.DIRECTORY_FILE, JSON.stringify([{ login: "ann", email: "ann@corp.example", employeeId: 42 }]));
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  probot = await testProbot();
  sfn = new SFNClient({});
});

beforeEach(() => {
  clearChargebackCache();
  clearHostedRunnerCache();
  nockInstallationTokens();
});

afterEach(async () => {
  await embedded.idle();
  nock.cleanAll();
});

afterAll(async () => {
  delete process.env.DIRECTORY_FILE;
  await embedded.stop();
  sfn.destroy();
  nock.enableNetConnect();
});

async function history(executionArn: string): Promise<HistoryEvent[]> {
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  expect(d.status).toBe("SUCCEEDED");
  return (await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }))).events ?? [];
}

let delivery = 0;
async function runOnce(repo: string, runId: number, seconds: number): Promise<ReturnType<typeof billedTransitions>> {
  const jobs = jobsFor(runId, 1, "2026-11-15T10:00:00Z", [{ labels: ["ubuntu-latest"], seconds }]);
  nock(API)
    .get(new RegExp(`^/repos/${ORG}/${repo}/actions/runs/${runId}/attempts/1/jobs`))
    .query(true)
    .reply(200, jobsPage(jobs));
  delivery += 1;
  await probot.receive({ id: `b-${delivery}`, name: "workflow_run", payload: workflowRunPayload({ runId, repo }) } as unknown as Parameters<
    Probot["receive"]
  >[0]);
  await embedded.idle();
  const arn = `${process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN!.replace(":stateMachine:", ":execution:")}:${runExecutionName(`${ORG}/${repo}`, runId, 1)}`;
  return billedTransitions(await history(arn));
}

describe("billed transitions on the embedded engine", () => {
  it("one workflow run without budgets: at most 4", async () => {
    nockNoChargebackConfig(ORG);
    const count = await runOnce("plain", 5001, 200);
    expect(count.path).toEqual(["Price", "RecordFirstOfRun", "AfterRecording", "Recorded"]);
    expect(count.transitions).toBeLessThanOrEqual(4);
  });

  it("with a budget no threshold of which is crossed: at most 2 more; the remembered settings are written only when they change", async () => {
    const yaml = "budgets:\n  - scope: org\n    monthlyUsd: 1000\n    alertAt: [80, 100]\n";
    nockChargebackConfig(ORG, yaml);
    const first = await runOnce("budgeted", 5002, 120);
    // New settings: remembered once.
    expect(first.path.filter((s) => s === "RememberSettings")).toHaveLength(1);
    clearChargebackCache();
    nockChargebackConfig(ORG, yaml);
    const second = await runOnce("budgeted", 5003, 120);
    expect(second.path).not.toContain("RememberSettings");
    expect(second.path).toContain("DecideBudgetAlerts");
    expect(second.transitions).toBeLessThanOrEqual(4 + 2);
  });

  it("one join (member-onboarding): at most 5", async () => {
    nockActiveMembers();
    nock(API)
      .get("/users/ann")
      .reply(200, { login: "ann", id: 1, name: "Ann Lee", email: null })
      .post("/graphql")
      .reply(200, { data: { organization: { samlIdentityProvider: null } } });
    const input: OnboardingInput = {
      org: ORG,
      orgId: 1,
      installationId: 77,
      member: { login: "ann", id: 1, type: "User", role: "member" },
      teams: [],
      teamProblems: [],
      dryRun: false,
      configSource: `${ORG}/.github:.github/onboarding.yml`,
      deliveryId: "join-ann",
      receivedAt: "2026-11-20T10:00:00.000Z",
    };
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN, name: "billed-join-ann", input: JSON.stringify(input) }),
    );
    await embedded.idle();
    const count = billedTransitions(await history(executionArn!));
    expect(count.path).toEqual(["Enrich", "ApplyRules", "Store", "NotifyOrNot", "NotifySuccess"]);
    expect(count.transitions).toBeLessThanOrEqual(5);
  });
});
