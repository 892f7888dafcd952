import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { jest } from "@jest/globals";
import { build } from "esbuild";
import nock from "nock";
import type { HttpEvent, HttpResult } from "../../app/webhook/http.js";
import { BUNDLE_FILE, esbuildOptions, WEBHOOK_ENTRY } from "../../infra/bundling.js";
import { apiGatewayEvent, PING_BODY } from "./events.js";

/**
 * The webhook Lambda as deployed: bundled with the stack's esbuild options, imported, and invoked in-process with
 * API Gateway v2 events. Credentials come from APP_ID / PRIVATE_KEY / WEBHOOK_SECRET, so no Secrets Manager call
 * happens; nock refuses every connection that a test did not expect.
 */
const SECRET = "test-secret";
/** Planted in every payload: it must never reach the logs. */
const MARKER = "payload-marker-6f1d0c";
const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();

type Handler = (event: HttpEvent) => Promise<HttpResult>;
let handler: Handler;
let dir: string;
const logged: string[] = [];

beforeAll(async () => {
  Object.assign(process.env, { APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: SECRET, LOG_LEVEL: "debug" });
  for (const k of ["APP_SECRET_ARN", "GHE_HOST", "DEFAULT_TEAMS", "MEMBER_ONBOARDING_STATE_MACHINE_ARN", "WORKFLOW_RUN_COST_STATE_MACHINE_ARN"])
    delete process.env[k];
  nock.disableNetConnect();
  // Everything the handler logs goes through process.stdout (JSON lines); keep it for the no-leak check.
  const write = process.stdout.write.bind(process.stdout);
  jest.spyOn(process.stdout, "write").mockImplementation(((chunk: string | Uint8Array, ...rest: never[]) => {
    logged.push(String(chunk));
    return process.env.SHOW_LOGS ? write(chunk, ...rest) : true;
  }) as typeof process.stdout.write);

  dir = mkdtempSync(join(tmpdir(), "webhook-bundle-"));
  const file = join(dir, BUNDLE_FILE);
  await build(esbuildOptions(WEBHOOK_ENTRY, file));
  ({ handler } = (await import(pathToFileURL(file).href)) as { handler: Handler });
}, 120_000);

afterAll(() => {
  jest.restoreAllMocks();
  nock.cleanAll();
  nock.enableNetConnect();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  expect(nock.pendingMocks()).toEqual([]);
});

const body = (payload: object): string => JSON.stringify({ ...payload, marker: MARKER });
const json = (res: HttpResult): unknown => JSON.parse(res.body ?? "null");

test("cold start: concurrent first deliveries all wait for the one Probot being started", async () => {
  const results = await Promise.all([1, 2, 3].map((i) => handler(apiGatewayEvent(body(JSON.parse(PING_BODY)), { delivery: `cold-${i}` }))));
  expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
});

describe("401: the signature is checked over the raw body before anything else", () => {
  test("missing x-hub-signature-256", async () => {
    const res = await handler(apiGatewayEvent(body({ zen: "x" }), { secret: null }));
    expect(res.statusCode).toBe(401);
  });

  test("signed with another secret", async () => {
    expect((await handler(apiGatewayEvent(body({ zen: "x" }), { secret: "not-the-secret" }))).statusCode).toBe(401);
  });

  test("a valid signature of a different body", async () => {
    const event = apiGatewayEvent(body({ zen: "x" }));
    expect((await handler({ ...event, body: body({ zen: "y" }) })).statusCode).toBe(401);
  });

  test("the legacy sha1 header alone is not enough", async () => {
    const res = await handler(
      apiGatewayEvent(body({ zen: "x" }), { secret: null, headers: { "x-hub-signature": "sha1=0123456789abcdef0123456789abcdef01234567" } }),
    );
    expect(res.statusCode).toBe(401);
  });

  test("an unsigned body that is not JSON is 401, not 400: nothing is parsed before the check", async () => {
    expect((await handler(apiGatewayEvent("{not json", { secret: null }))).statusCode).toBe(401);
  });
});

describe("400: a genuine but malformed delivery", () => {
  test("missing x-github-event", async () => {
    const res = await handler(apiGatewayEvent(body({ zen: "x" }), { headers: { "x-github-event": undefined } }));
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({ error: "missing x-github-event or x-github-delivery" });
  });

  test("missing x-github-delivery", async () => {
    expect((await handler(apiGatewayEvent(body({ zen: "x" }), { headers: { "x-github-delivery": undefined } }))).statusCode).toBe(400);
  });

  test("a body that is not JSON", async () => {
    const res = await handler(apiGatewayEvent(`{"marker":"${MARKER}", oops`, { event: "issues" }));
    expect(res.statusCode).toBe(400);
    expect(json(res)).toEqual({ error: "the body is not JSON" });
  });

  test("JSON that is not an object", async () => {
    expect((await handler(apiGatewayEvent("[1,2]", { event: "issues" }))).statusCode).toBe(400);
  });
});

describe("2xx", () => {
  test("ping", async () => {
    const res = await handler(apiGatewayEvent(body(JSON.parse(PING_BODY))));
    expect(res).toEqual({ statusCode: 200, headers: { "content-type": "application/json" }, body: JSON.stringify({ ok: true }) });
  });

  test("an event the app does not handle", async () => {
    expect((await handler(apiGatewayEvent(body({ action: "opened", issue: { number: 1 } }), { event: "issues" }))).statusCode).toBe(200);
    expect((await handler(apiGatewayEvent(body({ action: "created" }), { event: "star" }))).statusCode).toBe(200);
  });

  test("a base64 body (isBase64Encoded) is decoded to the signed bytes, non-ASCII included", async () => {
    const text = body({ zen: "Ünïcödé ✓ — 日本", hook_id: 1 });
    const res = await handler(apiGatewayEvent(text, { base64: true }));
    expect(res.statusCode).toBe(200);
  });

  test("header names in any case", async () => {
    const text = body({ zen: "x" });
    const event = apiGatewayEvent(text);
    const upper = Object.fromEntries(Object.entries(event.headers).map(([k, v]) => [k.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase()), v]));
    expect(upper["X-Hub-Signature-256"]).toBeDefined();
    expect((await handler({ ...event, headers: upper })).statusCode).toBe(200);
  });

  test("a Lambda Function URL event (the same payload format 2.0)", async () => {
    const event = apiGatewayEvent(body({ zen: "x" }));
    const functionUrl = {
      ...event,
      routeKey: "$default",
      rawPath: "/",
      requestContext: { ...event.requestContext, domainName: "abc.lambda-url.eu-west-1.on.aws", routeKey: "$default", stage: "$default" },
    };
    expect((await handler(functionUrl)).statusCode).toBe(200);
  });

  test("405 for anything but POST (a Function URL accepts every method)", async () => {
    const event = apiGatewayEvent(body({ zen: "x" }));
    const get = { ...event, requestContext: { ...event.requestContext, http: { ...event.requestContext.http, method: "GET" } } };
    expect((await handler(get)).statusCode).toBe(405);
  });
});

describe("5xx only for a real fault", () => {
  test("organization.member_added when StartExecution fails (no state machine configured): 500, so GitHub can redeliver", async () => {
    const github = nock("https://api.github.com")
      .post("/app/installations/4242/access_tokens")
      .reply(201, { token: "ghs_test", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {}, repository_selection: "all" })
      .get(/^\/repos\/acme\/\.github\/contents\//)
      .reply(404, { message: "Not Found" })
      .get("/orgs/acme/memberships/octocat")
      .reply(200, { state: "active" });
    const payload = {
      action: "member_added",
      membership: {
        url: "",
        state: "active",
        role: "member",
        organization_url: "",
        user: { login: "octocat", id: 1, node_id: "U_1", type: "User", site_admin: false },
      },
      organization: { login: "acme", id: 99, node_id: "O_99" },
      installation: { id: 4242, node_id: "I_4242" },
      sender: { login: "admin", id: 2, type: "User" },
    };
    const res = await handler(apiGatewayEvent(body(payload), { event: "organization", delivery: "member-added-1" }));
    expect(res.statusCode).toBe(500);
    expect(github.isDone()).toBe(true);
    const failure = logged.find((l) => l.includes("the app failed on this delivery"));
    expect(failure).toContain("MEMBER_ONBOARDING_STATE_MACHINE_ARN is not set");
    expect(failure).toContain("member-added-1");
  });
});

test("nothing logged carries the payload or a secret", () => {
  const all = logged.join("");
  expect(all).toContain("the app failed on this delivery"); // runs last: the failure above was logged
  expect(all).not.toContain(MARKER);
  expect(all).not.toContain(SECRET);
  expect(all).not.toContain("PRIVATE KEY");
  expect(all).not.toContain("ghs_test");
  // Each line is one JSON object, as CloudWatch Logs Insights reads them.
  for (const line of all.split("\n").filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
});
