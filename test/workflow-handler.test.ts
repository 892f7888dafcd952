import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import nock from "nock";
import type { Probot } from "probot";
import { runExecutionName } from "../app/dispatch/execution-name.js";
import { runCostInput } from "../app/handlers/workflow-run-completed.js";
import { sign } from "../app/server/signature.js";
import { startWebhookServer, type WebhookServer } from "../app/server/webhook-server.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { INSTALLATION_ID, ORG, workflowRunPayload } from "./fixtures/jobs.js";
import { blockNetwork, setAppEnv, testProbot } from "./helpers/app-env.js";

/**
 * The webhook path of workflow_run.completed: validate, StartExecution under (run id, attempt), nothing else.
 * Net connect to GitHub is disabled and no GitHub interceptor is defined: any GitHub call would fail the test.
 * The price-run task is not stubbed; executions run (and fail for lack of GitHub), which does not matter here.
 */
let embedded: Embedded;
let probot: Probot;
let server: WebhookServer;
let sfn: SFNClient;

beforeAll(async () => {
  setAppEnv();
  blockNetwork();
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  probot = await testProbot();
  const quiet = { warn: () => {}, error: () => {}, info: () => {} };
  server = await startWebhookServer({ probot, secret: "test-secret", log: quiet as never, port: 0 });
  sfn = new SFNClient({});
});

afterEach(async () => {
  await embedded.idle();
});

afterAll(async () => {
  await server.close();
  await embedded.stop();
  nock.cleanAll();
  nock.enableNetConnect();
});

async function executions(): Promise<Array<{ name?: string; executionArn?: string }>> {
  const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn: process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN }));
  return out.executions ?? [];
}

async function post(payload: object, delivery: string): Promise<number> {
  const body = JSON.stringify(payload);
  const res = await fetch(server.url, {
    method: "POST",
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "workflow_run",
      "x-github-delivery": delivery,
      "x-hub-signature-256": sign("test-secret", body),
    },
  });
  await res.arrayBuffer();
  return res.status;
}

function deliver(payload: object, id: string): Promise<void> {
  return probot.receive({ id, name: "workflow_run", payload } as unknown as Parameters<Probot["receive"]>[0]);
}

describe("workflow_run.completed handler", () => {
  it("starts one execution named after (repository, run id, attempt), with facts only", async () => {
    await deliver(workflowRunPayload({ runId: 9001, attempt: 2, repo: "Widgets" }), "d-9001");
    const name = runExecutionName(`${ORG}/Widgets`, 9001, 2);
    expect(name).toBe("cost-9001-2-acme_Widgets");
    const mine = (await executions()).filter((e) => e.name === name);
    expect(mine).toHaveLength(1);
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn: mine[0]!.executionArn }));
    expect(JSON.parse(d.input ?? "{}")).toEqual({
      installationId: INSTALLATION_ID,
      org: ORG,
      repository: { fullName: `${ORG}/Widgets`, id: 107, visibility: "private" },
      run: {
        id: 9001,
        attempt: 2,
        name: "CI",
        path: ".github/workflows/ci.yml",
        event: "push",
        headBranch: "main",
        actor: "octocat",
        conclusion: "success",
        runStartedAt: "2026-01-15T09:00:00Z",
        updatedAt: "2026-01-15T10:00:00Z",
      },
    });
    expect(d.input).not.toMatch(/token|receivedAt/i);
  });

  it("a redelivery (new delivery id, same run attempt) answers 2xx and starts nothing new", async () => {
    const payload = workflowRunPayload({ runId: 9002 });
    // Two at once (the second finds it running), then one after it finished (ExecutionAlreadyExists).
    const [a, b] = await Promise.all([post(payload, "d-9002-a"), post(payload, "d-9002-b")]);
    await embedded.idle();
    const c = await post(payload, "d-9002-c");
    for (const status of [a, b, c]) expect(status).toBeGreaterThanOrEqual(200);
    for (const status of [a, b, c]) expect(status).toBeLessThan(300);
    expect((await executions()).filter((e) => e.name === runExecutionName(`${ORG}/widgets`, 9002, 1))).toHaveLength(1);
  });

  it("the input is deterministic: the same payload gives the same input, whatever the time", () => {
    const p = workflowRunPayload({ runId: 9003 });
    expect(runCostInput(p)).toEqual(runCostInput(structuredClone(p)));
  });

  it("visibility falls back to the private flag when the payload has no visibility", () => {
    const p = workflowRunPayload({ runId: 9004, visibility: "public" }) as { repository: Record<string, unknown> };
    delete p.repository.visibility;
    expect(runCostInput(p)).toMatchObject({ ok: true, input: { repository: { visibility: "public" } } });
    p.repository.private = true;
    expect(runCostInput(p)).toMatchObject({ ok: true, input: { repository: { visibility: "private" } } });
    const internal = workflowRunPayload({ runId: 9005, visibility: "internal" });
    expect(runCostInput(internal)).toMatchObject({ ok: true, input: { repository: { visibility: "internal" } } });
  });

  it("a payload without an installation, or with a broken run, is ignored (2xx, no execution)", async () => {
    const before = (await executions()).length;
    const noInstallation = workflowRunPayload({ runId: 9006, installation: false });
    expect(runCostInput(noInstallation)).toEqual({ ok: false, reason: expect.stringContaining("installation") });
    expect(await post(noInstallation, "d-9006")).toBe(200);
    const broken = workflowRunPayload({ runId: 9007 }) as { workflow_run: Record<string, unknown> };
    broken.workflow_run.updated_at = "yesterday";
    expect(runCostInput(broken)).toEqual({ ok: false, reason: "run.updatedAt: must be an ISO 8601 timestamp" });
    await expect(deliver(broken, "d-9007")).resolves.toBeUndefined();
    expect((await executions()).length).toBe(before);
  });

  it("makes no GitHub call on the webhook path", async () => {
    // Net connect is disabled and there are no GitHub interceptors: a call would have rejected the delivery.
    await expect(deliver(workflowRunPayload({ runId: 9008 }), "d-9008")).resolves.toBeUndefined();
    expect(nock.pendingMocks()).toEqual([]);
  });
});
