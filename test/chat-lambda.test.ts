// The deployed chat subscriber (app/notifications/chat.lambda.ts) on an SNS event as Lambda delivers it: each
// message goes to the chat topic as an Amazon Q Developer custom notification, through an SNS stand-in on loopback
// that speaks the service's query protocol as the SDK sends it.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { handler, notificationsOf, snsEventSchema } from "../app/notifications/chat.lambda.js";
import { failedExecutionMessage } from "../app/notifications/failed-execution.js";

const CHAT_TOPIC = "arn:aws:sns:eu-west-1:123456789012:OrgFlows-ChatNotifications";
let server: Server;
const published: Array<{ topic: string | null; message: string | null }> = [];
let failNext = 0;
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const form = new URLSearchParams(raw);
      if (form.get("Action") !== "Publish") return void res.writeHead(400).end();
      if (failNext > 0) {
        failNext--;
        res.writeHead(500, { "content-type": "text/xml" });
        return void res.end(
          "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalError</Code><Message>boom</Message></Error><RequestId>r</RequestId></ErrorResponse>",
        );
      }
      published.push({ topic: form.get("TopicArn"), message: form.get("Message") });
      res.writeHead(200, { "content-type": "text/xml" });
      res.end(
        `<PublishResponse><PublishResult><MessageId>m-${published.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  Object.assign(process.env, {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    CHAT_TOPIC_ARN: CHAT_TOPIC,
    LOG_LEVEL: "silent",
  });
  delete process.env.NOTIFY_WEBHOOK_SECRET_ARN;
});

afterAll(async () => {
  process.env = { ...saved };
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  published.length = 0;
  failNext = 0;
});

const record = (Message: string, Subject: string | null = null, outcome?: string) => ({
  EventSource: "aws:sns",
  Sns: {
    Type: "Notification",
    MessageId: "x",
    TopicArn: "arn:aws:sns:eu-west-1:123456789012:OrgFlows-Notifications",
    Subject,
    Message,
    ...(outcome ? { MessageAttributes: { outcome: { Type: "String", Value: outcome } } } : {}),
  },
});

describe("the chat subscriber Lambda", () => {
  test("a failed execution and a budget alert become custom notifications on the chat topic", async () => {
    const failed = failedExecutionMessage({
      status: "TIMED_OUT",
      stateMachineArn: "arn:aws:states:eu-west-1:1:stateMachine:OrgFlows-member-onboarding",
      name: "member-acme-x",
      error: "States.Timeout",
      cause: "",
    });
    const event = {
      Records: [
        record(failed),
        record("acme: org reached 100% of its monthly budget.\nLinear forecast to month end: $3.00", "Budget 100% reached: org", "budget"),
      ],
    };
    expect(await handler(event)).toEqual({ sent: 2 });
    expect(published.map((p) => p.topic)).toEqual([CHAT_TOPIC, CHAT_TOPIC]);
    const [first, second] = published.map(
      (p) => JSON.parse(p.message ?? "{}") as { version: string; source: string; content: { title: string; description: string; nextSteps?: string[] } },
    );
    expect(first).toMatchObject({ version: "1.0", source: "custom", content: { title: ":x: Execution TIMED_OUT: OrgFlows-member-onboarding" } });
    expect(first!.content.nextSteps).toContain("`npx org-flows executions redrive member-acme-x`");
    expect(second!.content).toMatchObject({
      title: ":money_with_wings: Budget 100% reached: org",
      description: "acme: org reached 100% of its monthly budget.\nLinear forecast to month end: $3.00",
    });
  });

  test("a chat topic that fails makes the invocation fail (SNS's asynchronous invocation retries it)", async () => {
    failNext = 5;
    await expect(handler({ Records: [record("hello", "Subject")] })).rejects.toThrow();
  });

  test("not an SNS event: refused, nothing published", async () => {
    await expect(handler({ detail: {} })).rejects.toThrow(/not an SNS event/);
    expect(published).toEqual([]);
  });

  test("the outcome attribute and a null subject are read as Lambda gives them", () => {
    const event = snsEventSchema.parse({ Records: [record("m", null, "left")] });
    expect(notificationsOf(event)).toEqual([{ message: "m", outcome: "left" }]);
  });
});
