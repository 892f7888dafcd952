import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createPublicKey } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DeleteItemCommand, GetItemCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetExecutionHistoryCommand, SFNClient } from "@aws-sdk/client-sfn";
import nock from "nock";
import { main as redeliverCli } from "../app/cli/redeliver.js";
import { machineArn } from "../app/dispatch/machines.js";
import { LEASE_KEY, redeliveryKey } from "../app/redelivery/contract.js";
import { startSweep, sweepState } from "../app/redelivery/start.js";
import { resetCredentialsCache } from "../app/secrets.js";
import { verifySignature } from "../app/server/signature.js";
import { tableName } from "../app/store/table.js";
import { resetInstallationClients } from "../app/github/octokit.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { startGitHubStandin, type GitHubStandin } from "../infra/local/github-standin.js";
import { billedTransitions } from "./bench/billed.js";
import { privateKey } from "./helpers/app-env.js";

/**
 * The redelivery machine end to end on the embedded default against the GitHub stand-in (App JWT, deliveries with
 * ids above 2^53, cursor pagination), whose redeliveries reach a webhook receiver over HTTP, signed.
 */
let standin: GitHubStandin;
let embedded: Embedded;
let sfn: SFNClient;
let dynamo: DynamoDBClient;
let receiver: Server;
/** guid of each delivery the receiver got, with its signature checked */
const received: string[] = [];

const SECRET = "receiver-secret";
const attempts = (id?: string): string[] =>
  standin.calls.filter((c) => c.method === "POST" && c.path.endsWith("/attempts") && (!id || c.path.includes(`/${id}/`))).map((c) => c.path);
const listings = (): string[] => standin.calls.filter((c) => c.method === "GET" && c.path === "/app/hook/deliveries").map((c) => c.path);
const gaveUpMessages = () => embedded.outbox.read().filter((m) => m.attributes?.outcome === "gave-up");

/** One sweep through the command, as `org-flows redeliver --wait --format json` prints it. */
async function sweep(): Promise<Record<string, unknown>> {
  let out = "";
  const write = (s: string): boolean => {
    out += s;
    return true;
  };
  const io = { out: { write }, err: { write: () => true } } as never;
  const code = await redeliverCli(["--wait", "--format", "json"], io, { pollMs: 20 });
  const result = JSON.parse(out) as Record<string, unknown>;
  expect({ code, status: result.status }).toEqual({ code: 0, status: "SUCCEEDED" });
  return result;
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const ok = verifySignature(SECRET, body, String(req.headers["x-hub-signature-256"] ?? ""));
      if (ok) received.push(String(req.headers["x-github-delivery"]));
      res.writeHead(ok ? 200 : 401).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", () => resolve()));
  standin = await startGitHubStandin({
    appId: 123,
    publicKeyPem: createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
    orgs: [],
    users: [],
  });
  standin.setWebhook(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`, SECRET);
  nock.enableNetConnect();
  Object.assign(process.env, { APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "test-secret", GHE_HOST: standin.host, GHE_PROTOCOL: "http" });
  resetCredentialsCache();
  resetInstallationClients();
  embedded = await startEmbedded({ retryIntervalMs: 10 });
  sfn = new SFNClient({});
  dynamo = new DynamoDBClient({});
});

afterAll(async () => {
  sfn?.destroy();
  dynamo?.destroy();
  await embedded?.stop();
  await standin?.close();
  await new Promise((resolve) => receiver?.close(resolve));
  delete process.env.GHE_HOST;
  delete process.env.GHE_PROTOCOL;
});

describe("redelivery sweep", () => {
  it("redelivers a failed delivery once, by its exact id above 2^53, with the same guid; a sweep run again does not redeliver it again", async () => {
    standin.addDelivery({ event: "ping", payload: { zen: "fine" } });
    const failed = standin.addDelivery({ event: "workflow_run", payload: { action: "completed", n: 1 } });
    standin.failDelivery(failed.guid);
    expect(BigInt(failed.id) > 2n ** 53n).toBe(true);

    const first = await sweep();
    expect(first).toMatchObject({ checked: 2, failed: 1, redelivered: 1, gaveUp: 0, refused: 0 });
    expect(attempts()).toEqual([`/app/hook/deliveries/${failed.id}/attempts`]);
    expect(received).toEqual([failed.guid]);
    const latest = standin
      .deliveries()
      .filter((d) => d.guid === failed.guid)
      .at(-1)!;
    expect(latest).toMatchObject({ redelivery: true, status: "OK" });

    // Only the redelivery is new since the cursor, and it succeeded.
    const second = await sweep();
    expect(second).toMatchObject({ checked: 1, failed: 0, redelivered: 0 });
    const third = await sweep();
    expect(third).toMatchObject({ checked: 0, redelivered: 0 });
    expect(attempts()).toHaveLength(1);
    const count = await dynamo.send(new GetItemCommand({ TableName: tableName(), Key: redeliveryKey(failed.guid), ConsistentRead: true }));
    expect(count.Item?.redeliveries).toEqual({ N: "1" });
  });

  it("billed transitions: a quiet sweep (nothing new listed) 5, one that listed only delivered events 7", async () => {
    const billed = async (): Promise<ReturnType<typeof billedTransitions>> => {
      const started = await startSweep(sfn, machineArn("redelivery"));
      await embedded.idle();
      expect((await sweepState(sfn, started.executionArn)).status).toBe("SUCCEEDED");
      const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: started.executionArn, maxResults: 1000 }));
      return billedTransitions(history.events ?? []);
    };
    await sweep(); // whatever earlier tests left is swept first
    const quiet = await billed();
    expect(quiet.path).toEqual(["Begin", "ReadCursor", "ListDeliveries", "RateLimited", "Report"]);
    expect(quiet.transitions).toBe(5);
    standin.addDelivery({ event: "ping", payload: { zen: "delivered" } });
    const listed = await billed();
    expect(listed.path).toEqual(["Begin", "ReadCursor", "ListDeliveries", "RateLimited", "SaveCursor", "ReleaseLease", "Report"]);
    expect(listed.transitions).toBe(7);
  });

  it("a failed member_added whose member has since left is not redelivered (refused), and nothing reaches the app", async () => {
    const join = standin.addDelivery({
      event: "organization",
      payload: {
        action: "member_added",
        organization: { login: "acme", id: 1 },
        membership: { user: { login: "left-since", id: 5 } },
        installation: { id: 77 },
      },
    });
    standin.failDelivery(join.guid);
    standin.removeMember("acme", "left-since");
    const out = await sweep();
    expect(out).toMatchObject({ redelivered: 0, refused: 1 });
    expect(attempts(join.id)).toEqual([]);
    expect(received).not.toContain(join.guid);
    expect(standin.calls.some((c) => c.path === "/orgs/acme/memberships/left-since" && c.status === 404)).toBe(true);
  });

  it("a delivery that keeps failing is redelivered 3 times in all, then given up with one notification, never again", async () => {
    const stuck = standin.addDelivery({ event: "organization", payload: { action: "member_added" } });
    standin.failDelivery(stuck.guid, 500);
    standin.failRedeliveriesOf(stuck.guid);

    const outcomes: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 5; i++) outcomes.push(await sweep());
    expect(outcomes.map((o) => [o.redelivered, o.gaveUp])).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
      [0, 1],
      [0, 0],
    ]);
    const ids = standin.deliveries().filter((d) => d.guid === stuck.guid);
    expect(ids.map((d) => d.status)).toEqual(["Invalid HTTP Response: 500", ...Array(3).fill("Invalid HTTP Response: 503")]);
    // Each sweep redelivered the guid's latest failed delivery.
    expect(attempts().slice(-3)).toEqual(ids.slice(0, 3).map((d) => `/app/hook/deliveries/${d.id}/attempts`));
    expect(gaveUpMessages()).toHaveLength(1);
    expect(gaveUpMessages()[0]!.subject).toBe(`Webhook delivery given up: ${stuck.guid}`);
    expect(gaveUpMessages()[0]!.message).toContain(ids.at(-1)!.id);

    // Someone redelivers it by hand and it fails again: no fourth redelivery, no second notification.
    standin.addDelivery({
      event: "organization",
      payload: { action: "member_added" },
      guid: stuck.guid,
      status: "Invalid HTTP Response: 503",
      statusCode: 503,
    });
    expect(await sweep()).toMatchObject({ checked: 1, failed: 1, redelivered: 0, gaveUp: 0, givenUpBefore: 1 });
    expect(gaveUpMessages()).toHaveLength(1);
    expect(attempts(ids.at(-1)!.id)).toHaveLength(0);
    const count = await dynamo.send(new GetItemCommand({ TableName: tableName(), Key: redeliveryKey(stuck.guid), ConsistentRead: true }));
    expect(count.Item?.redeliveries).toEqual({ N: "3" });
  });

  it("one sweep at a time: a start while one runs reports the running one", async () => {
    const failed = standin.addDelivery({ event: "ping", payload: { zen: "again" } });
    standin.failDelivery(failed.guid);
    const arn = machineArn("redelivery");
    const a = await startSweep(sfn, arn);
    const b = await startSweep(sfn, arn);
    expect(a.started).toBe(true);
    expect(b).toEqual({ ...a, started: false });
    await embedded.idle();
    expect((await sweepState(sfn, a.executionArn)).summary).toMatchObject({ redelivered: 1 });
  });

  it("a log of several pages is swept one page per task call, the cursor advancing; a failure on the second page is redelivered", async () => {
    const before = listings();
    const late = standin.addDelivery({ event: "workflow_run", payload: { action: "completed", n: "paged" } });
    standin.failDelivery(late.guid);
    for (let i = 0; i < 150; i++) standin.addDelivery({ event: "ping", payload: { zen: `p${i}` } });
    const out = await sweep();
    // 151 new deliveries, newest first at 100 a page: two task calls, each its own task call (the cursor passing is pinned in redelivery-paging.test.ts).
    const calls = listings().slice(before.length);
    expect(calls).toHaveLength(2);
    // 151 made here, and the previous test's redelivery.
    expect(out).toMatchObject({ checked: 152, redelivered: 1, githubCalls: 2 });
    expect(attempts(late.id)).toHaveLength(1);
  });

  it("two overlapping sweeps: while one holds the lease, a second redelivers nothing and leaves the cursor", async () => {
    const failed = standin.addDelivery({ event: "ping", payload: { zen: "overlap" } });
    standin.failDelivery(failed.guid);
    const cursorBefore = await dynamo.send(
      new GetItemCommand({ TableName: tableName(), Key: { pk: { S: "REDELIVERY" }, sk: { S: "CURSOR" } }, ConsistentRead: true }),
    );
    // The first sweep, as another scheduled start on AWS would hold it (the command's own guard does not see it).
    const until = new Date(Date.now() + 600_000).toISOString();
    await dynamo.send(new PutItemCommand({ TableName: tableName(), Item: { ...LEASE_KEY, holder: { S: "redeliver-first" }, until: { S: until } } }));
    const second = await startSweep(sfn, machineArn("redelivery"));
    await embedded.idle();
    const state = await sweepState(sfn, second.executionArn);
    expect(state.status).toBe("SUCCEEDED");
    expect(state.summary).toMatchObject({ redelivered: 0, checked: 0 });
    expect(attempts(failed.id)).toEqual([]);
    const cursorAfter = await dynamo.send(
      new GetItemCommand({ TableName: tableName(), Key: { pk: { S: "REDELIVERY" }, sk: { S: "CURSOR" } }, ConsistentRead: true }),
    );
    expect(cursorAfter.Item).toEqual(cursorBefore.Item);
    const lease = await dynamo.send(new GetItemCommand({ TableName: tableName(), Key: LEASE_KEY, ConsistentRead: true }));
    expect(lease.Item?.holder).toEqual({ S: "redeliver-first" });

    // The first one gone (released), the next sweep redelivers it.
    await dynamo.send(new DeleteItemCommand({ TableName: tableName(), Key: LEASE_KEY }));
    expect(await sweep()).toMatchObject({ redelivered: 1 });
    expect(attempts(failed.id)).toHaveLength(1);
    const released = await dynamo.send(new GetItemCommand({ TableName: tableName(), Key: LEASE_KEY, ConsistentRead: true }));
    expect(released.Item).toBeUndefined();
  });
});
