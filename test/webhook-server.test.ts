import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import nock from "nock";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { sign, verifySignature } from "../app/server/signature.js";
import { startWebhookServer, type WebhookServer } from "../app/server/webhook-server.js";
import { memberAddedPayload } from "./fixtures/member-added.js";
import { blockNetwork, setAppEnv, testProbot } from "./helpers/app-env.js";

let embedded: Embedded;
let server: WebhookServer;
const logged: string[] = [];

beforeAll(async () => {
  setAppEnv();
  blockNetwork();
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  const probot = await testProbot();
  const log = {
    warn: (o: object, m: string) => logged.push(JSON.stringify(o) + m),
    error: (o: object, m: string) => logged.push(JSON.stringify(o) + m),
    info: () => {},
  };
  server = await startWebhookServer({ probot, secret: "test-secret", log: log as never, port: 0 });
});

afterAll(async () => {
  await server.close();
  await embedded.stop();
  nock.cleanAll();
});

async function post(body: string, headers: Record<string, string>): Promise<number> {
  const res = await fetch(server.url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  await res.arrayBuffer();
  return res.status;
}

describe("signature", () => {
  test("accepts GitHub's signature and refuses any other", () => {
    const body = '{"a":1}';
    expect(verifySignature("s3cret", body, sign("s3cret", body))).toBe(true);
    expect(verifySignature("s3cret", `${body} `, sign("s3cret", body))).toBe(false);
    expect(verifySignature("s3cret", body, sign("other", body))).toBe(false);
    expect(verifySignature("s3cret", body, undefined)).toBe(false);
    expect(verifySignature("s3cret", body, "sha256=zz")).toBe(false);
    expect(verifySignature("", body, sign("", body))).toBe(false);
  });
});

describe("webhook server", () => {
  const payload = JSON.stringify(memberAddedPayload("acme", 1, { login: "mallory", id: 66 }));

  test("a bad signature is refused with 401, starts nothing and logs no payload", async () => {
    const status = await post(payload, { "x-github-event": "organization", "x-github-delivery": "d-bad", "x-hub-signature-256": sign("wrong", payload) });
    expect(status).toBe(401);
    expect(await post(payload, { "x-github-event": "organization", "x-github-delivery": "d-none" })).toBe(401);
    const list = await new SFNClient({}).send(new ListExecutionsCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN }));
    expect(list.executions).toEqual([]);
    expect(logged.join("\n")).not.toContain("mallory");
  });

  test("missing event headers and invalid JSON are 400", async () => {
    expect(await post(payload, { "x-hub-signature-256": sign("test-secret", payload) })).toBe(400);
    expect(
      await post("{not json", { "x-github-event": "organization", "x-github-delivery": "d2", "x-hub-signature-256": sign("test-secret", "{not json") }),
    ).toBe(400);
  });

  test("ping and events the app ignores are 200", async () => {
    const ping = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
    expect(await post(ping, { "x-github-event": "ping", "x-github-delivery": "d3", "x-hub-signature-256": sign("test-secret", ping) })).toBe(200);
    const star = JSON.stringify({ action: "created", repository: { id: 1 } });
    expect(await post(star, { "x-github-event": "star", "x-github-delivery": "d4", "x-hub-signature-256": sign("test-secret", star) })).toBe(200);
  });

  test("a failing handler is a 500, so GitHub records a delivery to redeliver", async () => {
    // GitHub is unreachable (nock blocks it): the config read fails.
    const status = await post(payload, { "x-github-event": "organization", "x-github-delivery": "d5", "x-hub-signature-256": sign("test-secret", payload) });
    expect(status).toBe(500);
    expect(logged.join("\n")).not.toContain('"membership"');
  });
});
