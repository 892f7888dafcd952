import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import nock from "nock";
import type { Probot } from "probot";
import { clearChargebackCache } from "../app/config/chargeback.js";
import { queryBudgetAlerts } from "../app/store/finance-query.js";
import { clearHostedRunnerCache } from "../app/tasks/hosted-runners.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { StatesError } from "../infra/local/task-router.js";
import { API, nockInstallationTokens } from "./fixtures/jobs-github.js";
import { jobsFor, jobsPage, workflowRunPayload } from "./fixtures/jobs.js";
import { blockNetwork, setAppEnv, testProbot } from "./helpers/app-env.js";

/**
 * A budget alert is published by one request: when SNS's answer is lost (the message was taken, the task sees a
 * timeout or an internal error) it is not published again, since SNS standard topics do not deduplicate; when SNS
 * refused the publish (throttled: nothing was taken) it is retried. Each case must reach subscribers exactly once.
 */
let embedded: Embedded;
let probot: Probot;
/** What the next PublishBudgetAlert suffers: thrown once, before or after the publish itself. */
let fault: { phase: "before" | "after"; error: string } | undefined;
const CONFIG = "budgets:\n  - scope: org\n    monthlyUsd: 0.01\n    alertAt: [100]\n";

beforeAll(async () => {
  setAppEnv();
  blockNetwork();
  embedded = await startEmbedded({
    retryIntervalMs: 0,
    taskProbe: (state, phase) => {
      if (state !== "PublishBudgetAlert" || fault?.phase !== phase) return;
      const error = fault.error;
      fault = undefined;
      throw new StatesError(error, "the answer was lost");
    },
  });
  probot = await testProbot();
});

beforeEach(() => {
  clearChargebackCache();
  clearHostedRunnerCache();
  nockInstallationTokens();
  nock(API)
    .persist()
    .get(/^\/repos\/acme\/\.github\/contents\//)
    .reply(200, { type: "file", encoding: "base64", size: CONFIG.length, content: Buffer.from(CONFIG).toString("base64") });
});

afterEach(async () => {
  await embedded.idle();
  nock.cleanAll();
});

afterAll(async () => {
  await embedded.stop();
  nock.enableNetConnect();
});

/** One run of 5 Linux minutes ($0.03) in `month`: it crosses the org's $0.01 budget. */
async function crossIn(month: string, runId: number): Promise<void> {
  const at = `${month}-15T10:00:00Z`;
  const jobs = jobsFor(runId, 1, at, [{ labels: ["ubuntu-latest"], seconds: 300 }]);
  nock(API).get(`/repos/acme/lost/actions/runs/${runId}/attempts/1/jobs`).query(true).reply(200, jobsPage(jobs));
  await probot.receive({
    id: `lost-${runId}`,
    name: "workflow_run",
    payload: workflowRunPayload({ runId, repo: "lost", updatedAt: at }),
  } as unknown as Parameters<Probot["receive"]>[0]);
  await embedded.idle();
}

const alertsOf = (month: string) => embedded.outbox.read().filter((m) => m.attributes?.outcome === "budget" && m.subject?.includes(month));

describe("each budget alert reaches subscribers exactly once", () => {
  type Fault = { phase: "before" | "after"; error: string };
  const cases: Array<[string, string, number, Fault | undefined, boolean]> = [
    ["SNS took it, the answer was lost (States.Timeout)", "2025-01", 91_001, { phase: "after", error: "States.Timeout" }, true],
    ["SNS took it, then answered an internal error", "2025-02", 91_002, { phase: "after", error: "SNS.InternalErrorException" }, true],
    ["SNS refused it (throttled) and took the retry", "2025-03", 91_003, { phase: "before", error: "SNS.ThrottledException" }, false],
    ["no fault", "2025-04", 91_004, undefined, false],
  ];
  it.each(cases)("%s", async (_what, month, runId, injected, unconfirmed) => {
    fault = injected ? { ...injected } : undefined;
    await crossIn(month, runId);
    expect(fault).toBeUndefined();
    expect(alertsOf(month).map((m) => m.subject)).toEqual([expect.stringMatching(new RegExp(`^Budget 100% reached: org ${month}, `))]);
    const [alert] = await queryBudgetAlerts("acme", month);
    expect(alert).toMatchObject({ sent: true, unconfirmed });
  });
});
