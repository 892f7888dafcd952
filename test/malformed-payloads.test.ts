import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { pullRequestPayload } from "../infra/local/demo-scenario.js";
import { memberAddedPayload } from "./fixtures/member-added.js";
import { workflowRunPayload } from "./fixtures/jobs.js";
import { blockNetwork, setAppEnv, testProbot } from "./helpers/app-env.js";
import { lambdaDoor, localServerDoor, type FrontDoor } from "./helpers/front-doors.js";

/**
 * Any signed payload, of any event, that does not fit what it should be is answered 2xx and acted on in no way:
 * no GitHub request (no interceptor exists and net connect is off: every attempt is recorded) and no execution.
 */
type Mutation = [label: string, mutate: (p: Record<string, unknown>) => void];

const at = (p: Record<string, unknown>, key: string): Record<string, unknown> => p[key] as Record<string, unknown>;

/** Breaks Probot's own reading of a payload (action, installation.id), for any event. */
const envelope: Mutation[] = [
  ["installation missing", (p) => delete p.installation],
  ["installation null", (p) => (p.installation = null)],
  ["installation a string", (p) => (p.installation = "4242")],
  ["installation an array", (p) => (p.installation = [4242])],
  ["installation.id a string", (p) => (p.installation = { id: "abc" })],
  ["installation.id numeric text", (p) => (p.installation = { id: "4242" })],
  ["installation.id an object", (p) => (p.installation = { id: { id: 4242 } })],
  ["installation.id negative", (p) => (p.installation = { id: -1 })],
  ["installation.id fractional", (p) => (p.installation = { id: 1.5 })],
  ["installation.id true", (p) => (p.installation = { id: true })],
  ["action a number", (p) => (p.action = 7)],
  ["action null", (p) => (p.action = null)],
  ["action an array naming the event's action", (p) => (p.action = [p.action ?? "x"])],
  ["action an object", (p) => (p.action = { name: "member_added" })],
];

const memberAdded: Mutation[] = [
  ["membership null", (p) => (p.membership = null)],
  ["membership an array", (p) => (p.membership = [])],
  ["membership.user null", (p) => (at(p, "membership").user = null)],
  ["organization null", (p) => (p.organization = null)],
  ["organization missing", (p) => delete p.organization],
  ["organization.login an object", (p) => (at(p, "organization").login = { name: "wrongtype-co" })],
  ["organization.login an array", (p) => (at(p, "organization").login = ["name", "wrongtype-co"])],
  ["organization.login with a comma", (p) => (at(p, "organization").login = "name,wrongtype-co")],
  ["organization.login a path", (p) => (at(p, "organization").login = "acme/../x")],
  ["organization.id a string", (p) => (at(p, "organization").id = "1")],
  ["user.login a number", (p) => (at(at(p, "membership"), "user").login = 12345)],
  ["user.login null", (p) => (at(at(p, "membership"), "user").login = null)],
  ["user.login empty", (p) => (at(at(p, "membership"), "user").login = "")],
  ["user.login with a slash", (p) => (at(at(p, "membership"), "user").login = "ann/teams")],
  ["user.login too long", (p) => (at(at(p, "membership"), "user").login = "a".repeat(60))],
  ["user.id zero", (p) => (at(at(p, "membership"), "user").id = 0)],
  ["user.type an object", (p) => (at(at(p, "membership"), "user").type = { t: "User" })],
  ["membership.role a number", (p) => (at(p, "membership").role = 3)],
];

const workflowRun: Mutation[] = [
  ["workflow_run null", (p) => (p.workflow_run = null)],
  ["workflow_run an array", (p) => (p.workflow_run = [])],
  ["repository null", (p) => (p.repository = null)],
  ["repository.full_name an object", (p) => (at(p, "repository").full_name = { a: 1 })],
  ["repository.owner.login a number", (p) => (at(p, "repository").owner = { login: 5 })],
  ["workflow_run.id a string", (p) => (at(p, "workflow_run").id = "9")],
  ["workflow_run.run_attempt zero", (p) => (at(p, "workflow_run").run_attempt = 0)],
  ["workflow_run.updated_at a number", (p) => (at(p, "workflow_run").updated_at = 5)],
  ["organization.login an object", (p) => (p.organization = { login: { x: 1 } })],
];

const ping = (): Record<string, unknown> => ({
  zen: "Keep it logically awesome.",
  hook_id: 1,
  hook: { type: "App", id: 1, events: [] },
  installation: { id: 4242 },
});
const push = (): Record<string, unknown> => ({
  ref: "refs/heads/main",
  repository: { id: 1, full_name: "acme/widgets", owner: { login: "acme" } },
  commits: [],
  installation: { id: 4242 },
});
const pullRequest = (): Record<string, unknown> => pullRequestPayload("acme", 1, { number: 12, headSha: "1".repeat(40), baseSha: "2".repeat(40) });
const pullRequestMutations: Mutation[] = [
  ["pull_request null", (p) => (p.pull_request = null)],
  ["pull_request.head.sha not a SHA", (p) => (at(p, "pull_request").head = { sha: "main" })],
  ["pull_request.number a string", (p) => (at(p, "pull_request").number = "12")],
  ["repository null", (p) => (p.repository = null)],
  ["repository.owner.login an object", (p) => (at(p, "repository").owner = { login: { x: 1 } })],
];
const memberRemoved = (): Record<string, unknown> => ({ ...memberAddedPayload("acme", 1, { login: "ann", id: 11 }), action: "member_removed" });

const events: Array<{ event: string; make: () => Record<string, unknown>; mutations: Mutation[] }> = [
  { event: "organization", make: () => memberAddedPayload("acme", 1, { login: "ann", id: 11 }), mutations: [...envelope, ...memberAdded] },
  { event: "workflow_run", make: () => workflowRunPayload({ runId: 4321 }), mutations: [...envelope, ...workflowRun] },
  { event: "ping", make: ping, mutations: [...envelope, ["hook null", (p) => (p.hook = null)], ["zen an object", (p) => (p.zen = {})]] },
  { event: "push", make: push, mutations: [...envelope, ["repository null", (p) => (p.repository = null)], ["commits null", (p) => (p.commits = null)]] },
  {
    event: "organization",
    make: memberRemoved,
    mutations: [
      ...envelope,
      ["membership null", (p) => (p.membership = null)],
      ["organization.login an object", (p) => (at(p, "organization").login = {})],
      ["user.login with a slash", (p) => (at(at(p, "membership"), "user").login = "ann/teams")],
    ],
  },
  { event: "pull_request", make: pullRequest, mutations: [...envelope, ...pullRequestMutations] },
];

const cases = events.flatMap(({ event, make, mutations }) =>
  mutations.map(([label, mutate]) => {
    const payload = make();
    mutate(payload);
    return { name: `${event}${typeof make().action === "string" ? `.${String(make().action)}` : ""}: ${label}`, event, payload };
  }),
);

let embedded: Embedded;
let sfn: SFNClient;
const doors: FrontDoor[] = [];
const attempted: string[] = [];
/** Every request nock saw without an interceptor, but the loopback ones (the embedded backends, the local server). */
const record = (req: { method?: string; path?: string; host?: string; hostname?: string }): void => {
  const host = String(req.hostname ?? req.host ?? "");
  if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host)) attempted.push(`${req.method} ${host}${req.path}`);
};

beforeAll(async () => {
  setAppEnv();
  blockNetwork();
  nock.emitter.on("no match", record);
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  sfn = new SFNClient({});
  doors.push(await localServerDoor(await testProbot(), { deadlineMs: 3_000 }));
  doors.push(lambdaDoor({ deadlineMs: 3_000, Octokit: ProbotOctokit.defaults((o: object) => ({ ...o, throttle: { enabled: false } })) }));
});

afterAll(async () => {
  nock.emitter.removeListener("no match", record);
  for (const door of doors) await door.close();
  await embedded.stop();
  sfn.destroy();
  nock.enableNetConnect();
});

async function executionCount(): Promise<number> {
  let n = 0;
  for (const arn of [
    process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN,
    process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN,
    process.env.MEMBER_OFFBOARDING_STATE_MACHINE_ARN,
  ]) {
    n += (await sfn.send(new ListExecutionsCommand({ stateMachineArn: arn }))).executions?.length ?? 0;
  }
  return n;
}

test("the table covers handled and unhandled events", () => {
  expect(cases.length).toBeGreaterThan(60);
});

describe.each([
  { index: 0, door: "the local server (org-flows start)" },
  { index: 1, door: "the webhook Lambda" },
])("$door", ({ index }) => {
  test.each(cases)("$name: 2xx, no GitHub request, no execution", async ({ event, payload }) => {
    const door = doors[index]!;
    const before = await executionCount();
    const { status } = await door.deliver(event, payload);
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(300);
    expect(attempted).toEqual([]);
    expect(await executionCount()).toBe(before);
  });

  test("ignored deliveries are logged with the field and the problem, never the payload", () => {
    const lines = doors[index]!.logged().filter((l) => /ignored/.test(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join("\n")).toMatch(/installation\.id: |organization\.login: |membership: /);
    expect(lines.join("\n")).not.toContain("wrongtype-co");
  });
});

test("control: a well-formed member_added does try GitHub, so the checks above would have seen a request", async () => {
  const { status } = await doors[0]!.deliver("organization", memberAddedPayload("acme", 1, { login: "ann", id: 11 }));
  expect(status).toBe(500);
  expect(attempted.some((a) => a.includes("api.github.com"))).toBe(true);
});
