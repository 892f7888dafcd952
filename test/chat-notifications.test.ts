// Chat notifications: the formatting (pure), the webhook poster against a loopback receiver (retries, refusals),
// and on the embedded default a real budget alert and a real failed execution reaching that receiver through the
// SNS outbox when NOTIFY_WEBHOOK_URL is set.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runExecutionName } from "../app/dispatch/execution-name.js";
import { machineArn } from "../app/dispatch/machines.js";
import { runCostInput } from "../app/handlers/workflow-run-completed.js";
import { chatNotification, customNotification, webhookBody } from "../app/notifications/chat.js";
import { failedExecutionMessage } from "../app/notifications/failed-execution.js";
import { chatForwardsSettled, postToChatWebhook } from "../app/notifications/webhook-post.js";
import { resetCredentialsCache } from "../app/secrets.js";
import { closeDynamoClient } from "../app/store/dynamo.js";
import { resetInstallationClients } from "../app/github/octokit.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { startGitHubStandin, type GitHubStandin, type StandinJob } from "../infra/local/github-standin.js";
import { INSTALLATION_ID, jobsFor, ORG, workflowRunPayload } from "./fixtures/jobs.js";

interface Received {
  status: number;
  body: { text?: string };
}
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];
/** answers for the next posts (then 200) */
let answers: number[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const status = answers.shift() ?? 200;
      received.push({ status, body: JSON.parse(raw) as { text?: string } });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "no");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/T000/B000/secret-part`;
});

afterAll(async () => {
  await new Promise<void>((r) => receiver.close(() => r()));
});

beforeEach(() => {
  received.length = 0;
  answers = [];
});

const FAILED = failedExecutionMessage({
  status: "FAILED",
  stateMachineArn: "arn:aws:states:eu-west-1:123456789012:stateMachine:OrgFlows-workflow-run-cost",
  name: "run-acme-web-42-1",
  error: "GitHub.Unreachable",
  cause: "cannot reach GitHub at api.github.com: ENOTFOUND",
});

describe("formatting for people", () => {
  test("a failed execution: the machine, the error, and the commands to look at it and redrive it", () => {
    const n = chatNotification({ message: FAILED });
    expect(n).toEqual({
      kind: "failure",
      title: "Execution FAILED: OrgFlows-workflow-run-cost",
      lines: ["Execution: run-acme-web-42-1", "Error: GitHub.Unreachable", "Cause: cannot reach GitHub at api.github.com: ENOTFOUND"],
      nextSteps: ["npx org-flows executions run-acme-web-42-1", "npx org-flows executions redrive run-acme-web-42-1"],
    });
    expect(webhookBody(n).text).toContain("`npx org-flows executions redrive run-acme-web-42-1`");
    expect(customNotification(n)).toMatchObject({
      version: "1.0",
      source: "custom",
      content: {
        textType: "client-markdown",
        nextSteps: ["`npx org-flows executions run-acme-web-42-1`", "`npx org-flows executions redrive run-acme-web-42-1`"],
      },
    });
  });

  test("a leaver: the subject as title, the message's facts, nothing else", () => {
    const message = "octocat left acme at 2026-12-01T10:00:00Z. They joined at 2025-01-02T00:00:00Z. Their record is kept, marked as left.";
    const n = chatNotification({ subject: "Member left: octocat", message, outcome: "left" });
    expect(n).toEqual({ kind: "left", title: "Member left: octocat", lines: [message], nextSteps: [] });
  });

  test("a CloudWatch alarm (JSON on the topic) reads as one", () => {
    const alarm = JSON.stringify({
      AlarmName: "OrgFlows-webhook-5xx",
      NewStateValue: "ALARM",
      NewStateReason: "Threshold Crossed: 1 datapoint",
      AlarmDescription: "webhook 5xx",
    });
    expect(chatNotification({ message: alarm })).toMatchObject({
      kind: "alarm",
      title: "Alarm OrgFlows-webhook-5xx: ALARM",
      lines: ["webhook 5xx", "Threshold Crossed: 1 datapoint"],
    });
  });

  test("text from the org's config or an error cannot ping a channel or make a link", () => {
    const n = chatNotification({ subject: "Budget 100% reached: <!channel> 2026-12", message: "scope <https://evil.example|click> & more", outcome: "budget" });
    const { text } = webhookBody(n);
    expect(text).not.toMatch(/<!channel>|<https:/);
    expect(text).toContain("&lt;!channel&gt;");
    expect(text).toContain("&amp; more");
  });

  test("a very long cause is clipped, not sent whole", () => {
    const n = chatNotification({
      message: failedExecutionMessage({ status: "FAILED", stateMachineArn: "arn:x:y", name: "n", error: "E", cause: "x".repeat(5000) }),
    });
    expect(n.lines.find((l) => l.startsWith("Cause:"))!.length).toBeLessThanOrEqual(600);
  });
});

describe("the webhook poster", () => {
  test("a busy chat (429, 503) is retried until it takes the message; exactly one is accepted", async () => {
    answers = [429, 503];
    await postToChatWebhook(receiverUrl, { message: FAILED }, { backoffMs: 1 });
    expect(received.map((r) => r.status)).toEqual([429, 503, 200]);
    expect(received[2]!.body.text).toContain("Execution FAILED");
  });

  test("a refusal (404: the webhook was removed) is not retried, and the error names the host, not the URL", async () => {
    answers = [404];
    const err = await postToChatWebhook(receiverUrl, { message: FAILED }, { backoffMs: 1 }).catch((e: unknown) => e as Error);
    expect(received).toHaveLength(1);
    expect(String(err)).toMatch(/the chat webhook at 127\.0\.0\.1:\d+ answered 404/);
    expect(String(err)).not.toContain("secret-part");
  });

  test("an unreachable chat fails after its attempts", async () => {
    await expect(postToChatWebhook("http://127.0.0.1:9/hook", { message: FAILED }, { backoffMs: 1, attempts: 2 })).rejects.toThrow(
      /the chat webhook at 127\.0\.0\.1:9/,
    );
  });
});

describe("on the embedded default, NOTIFY_WEBHOOK_URL receives what the topic gets", () => {
  let standin: GitHubStandin;
  let embedded: Embedded;
  let sfn: SFNClient;
  const saved = { ...process.env };
  const jobs: Record<string, StandinJob[]> = {};

  beforeAll(async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    standin = await startGitHubStandin({
      appId: 1,
      publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
      orgs: [{ login: ORG, teams: {}, files: { ".github/chargeback.yml": "budgets:\n  - scope: org\n    monthlyUsd: 0.01\n    alertAt: [100]\n" } }],
      users: [],
      jobs,
    });
    Object.assign(process.env, {
      APP_ID: "1",
      PRIVATE_KEY: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
      GHE_HOST: standin.host,
      GHE_PROTOCOL: "http",
      LOG_LEVEL: "silent",
      NOTIFY_WEBHOOK_URL: receiverUrl,
    });
    for (const k of ["AWS_ENDPOINT_URL_SFN", "AWS_ENDPOINT_URL_DYNAMODB", "TABLE_NAME", "APP_SECRET_ARN"]) delete process.env[k];
    resetCredentialsCache();
    resetInstallationClients();
    embedded = await startEmbedded({ dataDir: mkdtempSync(join(tmpdir(), "chat-embedded-")), retryIntervalMs: 0 });
    sfn = new SFNClient({});
  });

  afterAll(async () => {
    sfn?.destroy();
    closeDynamoClient();
    await embedded?.stop();
    await standin?.close();
    process.env = { ...saved };
  });

  async function finished(arn: string): Promise<string> {
    for (;;) {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      if (d.status !== "RUNNING") return d.status ?? "";
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  test("a budget crossed: the alert with its month-to-date and forecast", async () => {
    const runId = 91_001;
    const at = "2026-11-15T10:00:00Z";
    jobs[`${ORG}/budget#${runId}#1`] = jobsFor(runId, 1, at, [{ labels: ["ubuntu-latest"], seconds: 300 }]) as StandinJob[];
    const made = runCostInput({ ...workflowRunPayload({ runId, repo: "budget", updatedAt: at }), installation: { id: INSTALLATION_ID } });
    if (!made.ok) throw new Error(made.reason);
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn("workflowRunCost"),
        name: runExecutionName(`${ORG}/budget`, runId, 1),
        input: JSON.stringify(made.input),
      }),
    );
    expect(await finished(started.executionArn!)).toBe("SUCCEEDED");
    await chatForwardsSettled();
    const budget = received.filter((r) => r.body.text?.includes("Budget 100% reached"));
    expect(budget).toHaveLength(1);
    expect(budget[0]!.body.text).toMatch(/^:money_with_wings: \*Budget 100% reached: org 2026-11, \$0\.\d\d of \$0\.01\*\n/);
    expect(budget[0]!.body.text).toMatch(/Linear forecast to month end: \$/);
    // The same text as the topic's message, laid out: nothing beyond it.
    const sent = embedded.outbox.read().find((m) => m.attributes?.outcome === "budget")!;
    for (const line of sent.message.split("\n")) expect(budget[0]!.body.text).toContain(line.trim());
  });

  test("a failed execution: its error and the redrive command", async () => {
    // An input the machine cannot read: the execution fails, and Step Functions' status change is notified.
    const name = "chat-notify-broken-input";
    const started = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn("workflowRunCost"), name, input: JSON.stringify({ nothing: true }) }),
    );
    expect(await finished(started.executionArn!)).toBe("FAILED");
    await chatForwardsSettled();
    const failure = received.filter((r) => r.body.text?.includes("Execution FAILED"));
    expect(failure).toHaveLength(1);
    expect(failure[0]!.body.text).toContain(`Execution: ${name}`);
    expect(failure[0]!.body.text).toContain(`\`npx org-flows executions redrive ${name}\``);
  });
});
