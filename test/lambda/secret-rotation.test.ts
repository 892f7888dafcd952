import { jest } from "@jest/globals";
import { createWebhookHandler, SECRET_RECHECK_MS } from "../../app/webhook/webhook.lambda.js";
import type { AppCredentials } from "../../app/secrets.js";
import { resetCredentialsCache } from "../../app/secrets.js";
import { privateKey } from "../helpers/app-env.js";
import { apiGatewayEvent, PING_BODY } from "./events.js";

/**
 * A rotated webhook secret is picked up by a warm Lambda: a signature that does not verify makes it read the secret
 * again, at most once per minute, and adopt it only if it verifies the delivery. The read is faked at the
 * credentials boundary (and once through the environment, as `appCredentials` reads it without APP_SECRET_ARN).
 */
let clock = 1_000_000;
const now = (): number => clock;

beforeAll(() => {
  // The handler's JSON log lines are not under test here.
  jest.spyOn(process.stdout, "write").mockImplementation((() => true) as typeof process.stdout.write);
});

afterAll(() => {
  jest.restoreAllMocks();
});

function fakeSecret(initial: string): { read: (fresh: boolean) => Promise<AppCredentials>; reads: () => number; rotate: (s: string) => void } {
  let secret = initial;
  let reads = 0;
  return {
    read: async () => {
      reads++;
      return { appId: "123", privateKey, webhookSecret: secret };
    },
    reads: () => reads,
    rotate: (s) => (secret = s),
  };
}

const ping = (secret: string | null) => apiGatewayEvent(PING_BODY, { secret, delivery: `d-${Math.random()}` });

test("a delivery signed with the rotated secret is accepted after one re-read, and the new secret is kept", async () => {
  const store = fakeSecret("old-secret");
  const handler = createWebhookHandler({ readCredentials: store.read, now });
  expect((await handler(ping("old-secret"))).statusCode).toBe(200);
  expect(store.reads()).toBe(1);

  store.rotate("new-secret");
  clock += SECRET_RECHECK_MS;
  expect((await handler(ping("new-secret"))).statusCode).toBe(200);
  expect(store.reads()).toBe(2);
  expect((await handler(ping("new-secret"))).statusCode).toBe(200);
  expect(store.reads()).toBe(2);
  // The old secret no longer verifies, and within the minute nothing is read again.
  expect((await handler(ping("old-secret"))).statusCode).toBe(401);
  expect(store.reads()).toBe(2);
});

test("bad signatures re-read the secret at most once a minute, and a secret that verifies nothing is not adopted", async () => {
  const store = fakeSecret("the-secret");
  const handler = createWebhookHandler({ readCredentials: store.read, now });
  expect((await handler(ping("the-secret"))).statusCode).toBe(200);
  clock += SECRET_RECHECK_MS;

  const [a, b] = await Promise.all([handler(ping("forged")), handler(ping("forged"))]);
  expect([a.statusCode, b.statusCode]).toEqual([401, 401]);
  expect(store.reads()).toBe(2);
  expect((await handler(ping("forged"))).statusCode).toBe(401);
  expect(store.reads()).toBe(2);

  // A minute later a bad signature may read again; a fresh secret that does not verify it is not adopted.
  clock += SECRET_RECHECK_MS;
  store.rotate("someone-elses");
  expect((await handler(ping("forged"))).statusCode).toBe(401);
  expect(store.reads()).toBe(3);
  expect((await handler(ping("the-secret"))).statusCode).toBe(200);
});

test("a delivery without a signature never causes a re-read", async () => {
  const store = fakeSecret("the-secret");
  const handler = createWebhookHandler({ readCredentials: store.read, now });
  expect((await handler(ping("the-secret"))).statusCode).toBe(200);
  clock += 10 * SECRET_RECHECK_MS;
  expect((await handler(ping(null))).statusCode).toBe(401);
  expect(store.reads()).toBe(1);
});

test("through the environment: WEBHOOK_SECRET changed under a warm handler is read again", async () => {
  const saved = {
    APP_ID: process.env.APP_ID,
    PRIVATE_KEY: process.env.PRIVATE_KEY,
    WEBHOOK_SECRET: process.env.WEBHOOK_SECRET,
    APP_SECRET_ARN: process.env.APP_SECRET_ARN,
  };
  Object.assign(process.env, { APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "env-secret-1" });
  delete process.env.APP_SECRET_ARN;
  resetCredentialsCache();
  try {
    const handler = createWebhookHandler({ now });
    expect((await handler(ping("env-secret-1"))).statusCode).toBe(200);
    process.env.WEBHOOK_SECRET = "env-secret-2";
    expect((await handler(ping("env-secret-2"))).statusCode).toBe(401); // within the minute of the cold start's read
    clock += SECRET_RECHECK_MS;
    expect((await handler(ping("env-secret-2"))).statusCode).toBe(200);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    resetCredentialsCache();
  }
});
