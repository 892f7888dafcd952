/**
 * `npm run bench`: throughput of the product's hot paths, each measured side by side with a baseline in the same
 * run (this machine is shared and noisy: compare ratios, not absolute numbers). Not a test: it asserts nothing.
 *
 * 1. Webhook receiver: `npm start`'s server (signature check, JSON parse, Probot dispatch to a no-op) against a bare
 *    node:http server that only checks the HMAC and parses the body.
 * 2. Embedded workflow-run-cost machine: executions per second end to end (StartExecution -> price -> conditional
 *    put -> two ADD updates on dynalite) against bare dynalite PutItems, the floor of any write path.
 * 3. Backfill (test/bench/backfill.ts): GitHub calls made against the minimum needed, attempts priced per second.
 */
import "../../app/polyfills.js";
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { Probot } from "probot";
import { pino } from "pino";
import { sign, verifySignature } from "../../app/server/signature.js";
import { startWebhookServer } from "../../app/server/webhook-server.js";

const SECRET = "bench-secret";
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** BENCH_ONLY=receiver, machine or backfill runs one part. */
const ONLY = process.env.BENCH_ONLY;
const RECEIVER_TARGET = 0.8;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function load(url: string, body: string, total: number, concurrency: number): Promise<number> {
  const headers = { "content-type": "application/json", "x-github-event": "star", "x-hub-signature-256": sign(SECRET, body) };
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        sent++;
        const res = await fetch(url, { method: "POST", body, headers: { ...headers, "x-github-delivery": randomUUID() } });
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        await res.arrayBuffer();
      }
    }),
  );
  return total / ((performance.now() - t0) / 1000);
}

async function bareServer(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const ok = verifySignature(SECRET, body, req.headers["x-hub-signature-256"] as string);
      JSON.parse(body.toString("utf8"));
      res.writeHead(ok ? 200 : 401).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}

async function benchReceiver(): Promise<void> {
  // A realistic 15 KB payload: a star event padded with a repository description.
  const body = JSON.stringify({
    action: "created",
    starred_at: new Date().toISOString(),
    repository: { id: 1, full_name: "acme/api", description: "x".repeat(15_000) },
    sender: { login: "a", id: 1 },
  });
  const probot = new Probot({ appId: 1, privateKey: "unused", secret: SECRET, log: pino({ level: "silent" }) });
  await probot.load((app) => app.on("star", async () => {}));
  const ours = await startWebhookServer({ probot, secret: SECRET, log: pino({ level: "silent" }), port: 0 });
  const bare = await bareServer();
  const total = Number(process.env.BENCH_REQUESTS ?? 3000);
  await load(ours.url, body, 300, 16); // warm-up
  await load(bare.url, body, 300, 16);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    b.push(await load(bare.url, body, total, 16));
    a.push(await load(ours.url, body, total, 16));
  }
  console.log("webhook receiver, 15 KB payload, 16 concurrent clients on loopback");
  console.log(`  bare HMAC+parse server   req/s per round: ${b.map((x) => x.toFixed(0)).join(", ")}  median ${median(b).toFixed(0)}`);
  console.log(`  npm start's receiver     req/s per round: ${a.map((x) => x.toFixed(0)).join(", ")}  median ${median(a).toFixed(0)}`);
  const ratio = median(a) / median(b);
  console.log(`  ratio (ours / bare): ${ratio.toFixed(2)} (target >= ${RECEIVER_TARGET}) ${ratio >= RECEIVER_TARGET ? "OK" : "UNDER"}`);
  await ours.close();
  bare.server.close();
  bare.server.closeAllConnections();
}

async function benchMachine(): Promise<void> {
  const nock = (await import("nock")).default;
  const { generateKeyPairSync } = await import("node:crypto");
  const { startEmbedded } = await import("../../infra/local/embedded.js");
  const { SFNClient, StartExecutionCommand } = await import("@aws-sdk/client-sfn");
  const { runExecutionName } = await import("../../app/dispatch/execution-name.js");
  process.env.APP_ID = "1";
  process.env.PRIVATE_KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1/);
  const gh = nock("https://api.github.com").persist();
  gh.post(/access_tokens/).reply(201, { token: "ghs_bench", expires_at: new Date(Date.now() + 3600_000).toISOString() });
  gh.get(/\/contents\//).reply(404);
  const job = (id: number) => ({
    id,
    name: `j${id}`,
    status: "completed",
    conclusion: "success",
    started_at: "2026-11-18T10:00:00Z",
    completed_at: "2026-11-18T10:02:05Z",
    labels: ["ubuntu-latest"],
    run_attempt: 1,
  });
  gh.get(/\/jobs/).reply(200, { total_count: 10, jobs: Array.from({ length: 10 }, (_, i) => job(i + 1)) });
  const embedded = await startEmbedded({ retryIntervalMs: 0 });
  const sfn = new SFNClient({});
  const db = new DynamoDBClient({});
  const n = Number(process.env.BENCH_EXECUTIONS ?? 200);
  let runId = 1_000_000;
  const runs: number[] = [];
  const puts: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, () => {
        const id = runId++;
        const input = {
          installationId: 1,
          org: "acme",
          repository: { fullName: "acme/api", id: 1, visibility: "private" },
          run: {
            id,
            attempt: 1,
            name: "CI",
            path: ".github/workflows/ci.yml",
            event: "push",
            headBranch: "main",
            actor: "a",
            conclusion: "success",
            runStartedAt: "2026-11-18T10:00:00Z",
            updatedAt: "2026-11-18T10:03:00Z",
          },
        };
        return sfn.send(
          new StartExecutionCommand({
            stateMachineArn: process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN,
            name: runExecutionName("acme/api", id, 1),
            input: JSON.stringify(input),
          }),
        );
      }),
    );
    await embedded.idle();
    runs.push(n / ((performance.now() - t0) / 1000));
    t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        db.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: { pk: { S: `BENCH#${round}` }, sk: { S: String(i) }, v: { N: "1" } } })),
      ),
    );
    puts.push(n / ((performance.now() - t0) / 1000));
  }
  console.log(`\nworkflow-run-cost on the embedded default, ${n} concurrent executions of a 10-job run per round`);
  console.log(`  bare dynalite PutItem    ops/s per round: ${puts.map((x) => x.toFixed(0)).join(", ")}  median ${median(puts).toFixed(0)}`);
  console.log(`  executions end to end    ops/s per round: ${runs.map((x) => x.toFixed(0)).join(", ")}  median ${median(runs).toFixed(0)}`);
  console.log(
    `  ratio (executions / puts): ${(median(runs) / median(puts)).toFixed(3)}  (each execution: a Lambda task, 2 GitHub reads and one 7-item recording transaction (run, run-seen, repository, org, cost-centre and workflow totals))`,
  );
  // The AWS bill of what ran: the histories of the last round's first executions, then of a few joins.
  const { GetExecutionHistoryCommand } = await import("@aws-sdk/client-sfn");
  const { billLines, usageOf } = await import("./aws-bill.js");
  const historyOf = async (arn: string) => (await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }))).events ?? [];
  const sample = Math.min(20, n);
  const runArn = (id: number) =>
    `${process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN!.replace(":stateMachine:", ":execution:")}:${runExecutionName("acme/api", id, 1)}`;
  const runHistories = await Promise.all(Array.from({ length: sample }, (_, i) => historyOf(runArn(runId - n + i))));
  for (const line of billLines("run", usageOf(runHistories))) console.log(line);
  gh.get(/\/orgs\/acme\/memberships\//).reply(200, { state: "active", role: "member" });
  gh.get(/\/users\//).reply(200, { login: "m", id: 1, name: "M", email: null });
  gh.post("/graphql").reply(200, { data: { organization: { samlIdentityProvider: null } } });
  const joins = await Promise.all(
    Array.from({ length: sample }, async (_, i) => {
      const input = {
        org: "acme",
        orgId: 1,
        installationId: 1,
        member: { login: `m${i}`, id: i + 1, type: "User", role: "member" },
        teams: [],
        teamProblems: [],
        dryRun: false,
        configSource: "acme/.github:.github/onboarding.yml",
        deliveryId: `bench-join-${i}`,
        receivedAt: new Date().toISOString(),
      };
      const out = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN, name: `bench-join-${i}`, input: JSON.stringify(input) }),
      );
      return out.executionArn!;
    }),
  );
  await embedded.idle();
  for (const line of billLines("join", usageOf(await Promise.all(joins.map(historyOf))))) console.log(line);
  sfn.destroy();
  db.destroy();
  await embedded.stop();
  nock.cleanAll();
}

if (ONLY !== "machine" && ONLY !== "backfill") await benchReceiver();
if (ONLY !== "receiver" && ONLY !== "backfill") await benchMachine();
if (ONLY !== "receiver" && ONLY !== "machine") {
  // The machine benchmark mocks GitHub with nock; the backfill talks to the GitHub stand-in on loopback.
  const nock = (await import("nock")).default;
  nock.restore();
  nock.enableNetConnect();
  await (await import("./backfill.js")).benchBackfill();
}
