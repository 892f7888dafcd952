import { createServer, type Server, type Socket } from "node:net";
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { resetSfnClient } from "../app/dispatch/start-execution.js";
import type { OnboardingInput } from "../app/records/onboarding-input.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { configFile, memberAddedPayload } from "./fixtures/member-added.js";
import { workflowRunPayload } from "./fixtures/jobs.js";
import { blockNetwork, nockActiveMembers, setAppEnv, testProbot } from "./helpers/app-env.js";
import { lambdaDoor, localServerDoor, type FrontDoor } from "./helpers/front-doors.js";

/**
 * Every delivery is answered by its deadline whatever GitHub or AWS do. The deadline is short here (through the
 * front doors' option); each answer must come before the deadline plus a generous margin for a busy machine.
 */
const GH = "https://api.github.com";
const DEADLINE_MS = 1_200;
const MARGIN_MS = 1_500;
const HANG_MS = 30_000;
/** No test's Octokit queues writes (Probot's write limiter spaces them ~1 s apart). */
const TestOctokit = ProbotOctokit.defaults((o: object) => ({ ...o, throttle: { enabled: false } }));

let embedded: Embedded;
let sfn: SFNClient;
const doors: FrontDoor[] = [];
let installation = 7000;

beforeAll(async () => {
  setAppEnv();
  blockNetwork();
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  sfn = new SFNClient({});
  doors.push(await localServerDoor(await testProbot(), { deadlineMs: DEADLINE_MS }));
  doors.push(lambdaDoor({ deadlineMs: DEADLINE_MS, Octokit: TestOctokit }));
  // The Lambda's cold start (secret read, Probot start) is not what these tests time.
  expect((await doors[1]!.deliver("ping", { zen: "warm up", hook_id: 1 })).status).toBe(200);
});

afterAll(async () => {
  for (const door of doors) await door.close();
  await embedded.stop();
  sfn.destroy();
  nock.cleanAll();
  nock.enableNetConnect();
});

beforeEach(() => {
  nockActiveMembers();
  // The onboarding executions run in the background; their GitHub calls are not under test.
  nock(GH)
    .persist()
    .get(/\/users\//)
    .reply(404)
    .post("/graphql")
    .reply(200, { data: { organization: null } });
});

afterEach(async () => {
  nock.abortPendingRequests();
  nock.cleanAll();
  await embedded.idle();
});

/** A member joining under a fresh installation id, so that no installation token is cached from another test. */
function joining(login: string): { payload: Record<string, unknown>; installationId: number } {
  const installationId = ++installation;
  return { payload: { ...memberAddedPayload("acme", 1, { login, id: installationId }), installation: { id: installationId } }, installationId };
}

function token(installationId: number): nock.Interceptor {
  return nock(GH).post(`/app/installations/${installationId}/access_tokens`);
}

const TOKEN = (): object => ({ token: "ghs_test", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {} });
const CONFIG = "/repos/acme/.github/contents/.github%2Fonboarding.yml";

async function onboardingInputs(login: string): Promise<OnboardingInput[]> {
  const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN }));
  const mine = (list.executions ?? []).filter((e) => e.name?.endsWith(`-${login}`));
  return Promise.all(
    mine.map(async (e) => JSON.parse((await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }))).input ?? "{}") as OnboardingInput),
  );
}

function expectInTime(ms: number): void {
  expect(ms).toBeLessThan(DEADLINE_MS + MARGIN_MS);
}

describe.each([
  { index: 0, door: "the local server (org-flows start)" },
  { index: 1, door: "the webhook Lambda" },
])("$door", ({ index }) => {
  const door = (): FrontDoor => doors[index]!;
  const who = (name: string): string => `${name}${index}`;

  test("GitHub hanging on the installation-token request: 5xx in time, nothing started", async () => {
    const { payload, installationId } = joining(who("hang-token"));
    token(installationId).delay(HANG_MS).reply(201, TOKEN()).persist();
    const { status, ms } = await door().deliver("organization", payload);
    expect(status).toBeGreaterThanOrEqual(500);
    expectInTime(ms);
    expect(await onboardingInputs(who("hang-token"))).toEqual([]);
    expect(door().logged().join("\n")).toContain("POST /app/installations/{installation_id}/access_tokens");
  });

  test("GitHub hanging on the config read: 5xx in time, nothing started", async () => {
    const { payload, installationId } = joining(who("hang-config"));
    token(installationId).reply(201, TOKEN());
    nock(GH).get(CONFIG).delay(HANG_MS).reply(200, configFile("teams: [engineering]\n")).persist();
    const { status, ms } = await door().deliver("organization", payload);
    expect(status).toBeGreaterThanOrEqual(500);
    expectInTime(ms);
    expect(await onboardingInputs(who("hang-config"))).toEqual([]);
    expect(door().logged().join("\n")).toContain("GET /repos/{owner}/{repo}/contents/{path}");
  });

  test("GitHub hanging on a team call: the team is reported failed and onboarding still starts in time", async () => {
    const login = who("hang-team");
    const { payload, installationId } = joining(login);
    token(installationId).reply(201, TOKEN());
    nock(GH)
      .get(CONFIG)
      .reply(200, configFile("teams: [engineering]\n"))
      .get(`/orgs/acme/teams/engineering/memberships/${login}`)
      .delay(HANG_MS)
      .reply(404)
      .persist();
    const { status, ms } = await door().deliver("organization", payload);
    expectInTime(ms);
    expect(status).toBe(200);
    const [input] = await onboardingInputs(login);
    expect(input!.teams).toEqual([{ slug: "engineering", role: "member", status: "failed", detail: expect.stringMatching(/no answer from GitHub|ran out/) }]);
    expect(input!.teamProblems).toHaveLength(1);
  });

  test("GitHub answering 502 to the config read: a bounded number of calls, 5xx in time", async () => {
    const { payload, installationId } = joining(who("bad-gateway"));
    token(installationId).reply(201, TOKEN());
    let calls = 0;
    nock(GH)
      .get(CONFIG)
      .times(50)
      .reply(() => {
        calls++;
        return [502, "Bad Gateway"];
      });
    const { status, ms } = await door().deliver("organization", payload);
    expect(status).toBeGreaterThanOrEqual(500);
    expectInTime(ms);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(3);
    expect(await onboardingInputs(who("bad-gateway"))).toEqual([]);
  });

  test("GitHub answering 502 to the token request: retried where it fails, not again around every call", async () => {
    const { payload, installationId } = joining(who("bad-token"));
    let calls = 0;
    token(installationId)
      .times(50)
      .reply(() => {
        calls++;
        return [502, "Bad Gateway"];
      });
    const { status, ms } = await door().deliver("organization", payload);
    expect(status).toBeGreaterThanOrEqual(500);
    expectInTime(ms);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThanOrEqual(3);
  });

  test("GitHub's name not resolving (DNS): 5xx in time, a bounded number of attempts", async () => {
    const { payload, installationId } = joining(who("dns"));
    // Five one-shot failures: at most three may be used (a first attempt and two retries).
    for (let i = 0; i < 5; i++) token(installationId).replyWithError({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND api.github.com" });
    const { status, ms } = await door().deliver("organization", payload);
    expect(status).toBeGreaterThanOrEqual(500);
    expectInTime(ms);
    const left = nock.pendingMocks().filter((m) => m.includes("access_tokens")).length;
    expect(left).toBeGreaterThanOrEqual(2);
    expect(left).toBeLessThanOrEqual(4);
    expect(await onboardingInputs(who("dns"))).toEqual([]);
  });
});

describe("StartExecution hanging (an endpoint that accepts and never answers)", () => {
  let silent: Server;
  const sockets: Socket[] = [];
  let endpoint: string | undefined;

  beforeAll(async () => {
    silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const address = silent.address();
    endpoint = process.env.AWS_ENDPOINT_URL_SFN;
    process.env.AWS_ENDPOINT_URL_SFN = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    resetSfnClient();
  });

  afterAll(async () => {
    process.env.AWS_ENDPOINT_URL_SFN = endpoint;
    resetSfnClient();
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  test.each([0, 1])("front door %i: 504 in time, naming StartExecution", async (index) => {
    const door = doors[index]!;
    const { status, ms } = await door.deliver("workflow_run", workflowRunPayload({ runId: 8800 + index }));
    expect(status).toBe(504);
    expectInTime(ms);
    const line = door.logged().find((l) => l.includes("ran out of time"));
    expect(line).toContain("StartExecution workflow-run-cost");
    expect(line).toMatch(/delivery-\d+/);
  });
});

test("a handler stuck somewhere unforeseen is answered 504 by the deadline", async () => {
  const probot = await testProbot();
  probot.on("issues.opened", () => new Promise<void>(() => {}));
  const door = await localServerDoor(probot, { deadlineMs: DEADLINE_MS });
  try {
    const { status, ms } = await door.deliver("issues", { action: "opened", issue: { number: 1 } }, "stuck-1");
    expect(status).toBe(504);
    expectInTime(ms);
    expect(door.logged().join("\n")).toMatch(/"delivery":"stuck-1".*ran out of time/);
  } finally {
    await door.close();
  }
});
