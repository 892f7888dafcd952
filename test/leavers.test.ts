import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import nock from "nock";
import type { Probot } from "probot";
import { main as members } from "../app/cli/members.js";
import { buildMemberRecord, memberItem } from "../app/records/member.js";
import { offboardingInput } from "../app/records/offboarding-input.js";
import type { OnboardingInput } from "../app/records/onboarding-input.js";
import { listMembers, listPastMemberships } from "../app/store/members.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { configFile, memberAddedPayload } from "./fixtures/member-added.js";
import { blockNetwork, nockActiveMembers, nockInstallationToken, setAppEnv, testProbot } from "./helpers/app-env.js";

/** organization.member_removed through Probot, the member-offboarding machine on the embedded default, the members command. */
const GH = "https://api.github.com";
let embedded: Embedded;
let probot: Probot;
let sfn: SFNClient;
let db: DynamoDBClient;

beforeAll(async () => {
  setAppEnv();
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  sfn = new SFNClient({});
  db = new DynamoDBClient({});
  probot = await testProbot();
});

afterAll(async () => {
  await embedded.stop();
  sfn.destroy();
  db.destroy();
});

beforeEach(() => {
  blockNetwork();
  nockActiveMembers();
});
afterEach(async () => {
  await embedded.idle();
  nock.cleanAll();
});

function removed(login: string, id: number): Record<string, unknown> {
  return { ...memberAddedPayload("acme", 1, { login, id }), action: "member_removed" };
}

function receive(payload: object, id = `delivery-${Math.random()}`): Promise<void> {
  return probot.receive({ id, name: "organization", payload } as Parameters<Probot["receive"]>[0]);
}

/** A member as the onboarding machine stores them. */
async function stored(login: string, id: number, joinedAt: string, deliveryId = `join-${login}`): Promise<void> {
  const input: OnboardingInput = {
    org: "acme",
    orgId: 1,
    installationId: 1,
    member: { login, id },
    teams: [{ slug: "eng", role: "member", status: "added" }],
    teamProblems: [],
    dryRun: false,
    configSource: "x",
    deliveryId,
    receivedAt: joinedAt,
  };
  const record = buildMemberRecord(input, { name: login.toUpperCase() }, null, { department: "Ops" }, "file:people.csv", new Date());
  await db.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: memberItem(record) }));
}

async function offboardings(login: string): Promise<Array<{ name?: string; status?: string }>> {
  const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: process.env.MEMBER_OFFBOARDING_STATE_MACHINE_ARN }));
  return (list.executions ?? []).filter((e) => e.name?.endsWith(`-${login}`));
}

function buffers() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) } }, out, err };
}

async function membersJson(...args: string[]): Promise<Array<Record<string, unknown>>> {
  const b = buffers();
  expect(await members(["--org", "acme", "--format", "json", ...args], b.io)).toBe(0);
  return JSON.parse(b.out.join("")) as Array<Record<string, unknown>>;
}

function nockConfig(yaml: string | null): void {
  nockInstallationToken(1);
  const scope = nock(GH).get("/repos/acme/.github/contents/.github%2Fonboarding.yml");
  if (yaml === null) scope.reply(404);
  else scope.reply(200, configFile(yaml));
}

test("a leaver's record is kept and marked left with the delivery; the notification says who left and when they joined", async () => {
  await stored("ann", 11, "2026-11-01T09:00:00.000Z");
  await stored("bea", 12, "2026-11-02T09:00:00.000Z");
  nockConfig(null);
  await receive(removed("ann", 11), "leave-ann-1");
  await embedded.idle();
  const ex = await offboardings("ann");
  expect(ex.map((e) => e.status)).toEqual(["SUCCEEDED"]);

  const ann = (await listMembers("acme")).find((m) => m.login === "ann");
  expect(ann).toMatchObject({ joinedAt: "2026-11-01T09:00:00.000Z", leftDeliveryId: "leave-ann-1", department: "Ops", teams: [{ slug: "eng" }] });
  expect(ann?.leftAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  expect(await listPastMemberships("acme")).toEqual([
    expect.objectContaining({ login: "ann", joinedAt: "2026-11-01T09:00:00.000Z", leftAt: ann!.leftAt, deliveryId: "join-ann", leftDeliveryId: "leave-ann-1" }),
  ]);
  const msg = embedded.outbox.read().find((m) => m.subject === "Member left: ann");
  expect(msg?.attributes?.outcome).toBe("left");
  expect(msg?.message).toBe(`ann left acme at ${ann!.leftAt}. They joined at 2026-11-01T09:00:00.000Z. Their record is kept, marked as left.`);

  // members: current members by default, leavers with --all; JSON rows carry leftAt, null for current members
  expect((await membersJson()).map((r) => [r.login, r.leftAt])).toEqual([["bea", null]]);
  expect((await membersJson("--all")).map((r) => [r.login, r.leftAt])).toEqual([
    ["ann", ann!.leftAt],
    ["bea", null],
  ]);
  const table = buffers();
  expect(await members(["--org", "acme", "--all", "--format", "csv"], table.io)).toBe(0);
  expect(table.out.join("").split("\r\n")[0]).toMatch(/,joinedAt,leftAt$/);
});

test("a redelivered removal starts nothing new; the record is marked once", async () => {
  nockConfig(null);
  await receive(removed("ann", 11), "leave-ann-1");
  await embedded.idle();
  expect(await offboardings("ann")).toHaveLength(1);
  expect(embedded.outbox.read().filter((m) => m.subject === "Member left: ann")).toHaveLength(1);
});

test("a rejoiner gets a new joinedAt and keeps the history; an older removal delivered late does not mark them", async () => {
  const before = (await listMembers("acme")).find((m) => m.login === "ann")!;
  // Rejoining is an ordinary onboarding: the machine stores the new membership.
  nockInstallationToken(2);
  nock(GH)
    .get("/users/ann")
    .reply(200, { login: "ann", id: 11 })
    .post("/graphql")
    .reply(200, { data: { organization: null } });
  const input: OnboardingInput = {
    org: "acme",
    orgId: 1,
    installationId: 77,
    member: { login: "ann", id: 11 },
    teams: [],
    teamProblems: [],
    dryRun: false,
    configSource: "x",
    deliveryId: "rejoin-ann",
    receivedAt: "2030-01-05T08:00:00.000Z",
  };
  const started = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN, name: "rejoin-ann", input: JSON.stringify(input) }),
  );
  await embedded.idle();
  expect((await sfn.send(new DescribeExecutionCommand({ executionArn: started.executionArn }))).status).toBe("SUCCEEDED");

  const [ann] = (await membersJson()).filter((r) => r.login === "ann");
  expect(ann).toMatchObject({ joinedAt: "2030-01-05T08:00:00.000Z", leftAt: null, deliveryId: "rejoin-ann" });
  const [annAll] = (await membersJson("--all")).filter((r) => r.login === "ann");
  expect(annAll?.history).toEqual([{ joinedAt: "2026-11-01T09:00:00.000Z", leftAt: before.leftAt }]);

  // the first removal's execution run again (a late redrive, a hand-made start): the new membership is untouched
  const late = offboardingInput({
    org: "acme",
    orgId: 1,
    installationId: 77,
    member: { login: "ann", id: 11 },
    deliveryId: "leave-ann-1",
    removedAt: before.leftAt!,
  });
  await sfn.send(
    new StartExecutionCommand({ stateMachineArn: process.env.MEMBER_OFFBOARDING_STATE_MACHINE_ARN, name: "late-leave-ann", input: JSON.stringify(late) }),
  );
  await embedded.idle();
  expect((await listMembers("acme")).find((m) => m.login === "ann")).toMatchObject({ joinedAt: "2030-01-05T08:00:00.000Z" });
  expect((await listMembers("acme")).find((m) => m.login === "ann")?.leftAt).toBeUndefined();
  expect(await listPastMemberships("acme")).toHaveLength(1);
});

test("someone the app never recorded leaving: notified as such, no record invented", async () => {
  nockConfig(null);
  await receive(removed("old-timer", 13), "leave-old");
  await embedded.idle();
  expect((await offboardings("old-timer")).map((e) => e.status)).toEqual(["SUCCEEDED"]);
  expect((await listMembers("acme")).some((m) => m.login === "old-timer")).toBe(false);
  const msg = embedded.outbox.read().find((m) => m.subject === "Member left: old-timer");
  expect(msg?.message).toMatch(/^old-timer left acme at .*No current membership was recorded for them/);
});

test("excluded accounts are not followed out; a malformed payload is ignored", async () => {
  nockConfig("exclude: ['*-contractor']\n");
  await receive(removed("dave-contractor", 14));
  await receive({ ...removed("eve", 15), membership: { user: { login: "not a login!", id: 15 } } });
  await embedded.idle();
  expect(await offboardings("dave-contractor")).toHaveLength(0);
  expect(await offboardings("eve")).toHaveLength(0);
});

describe("a leave handled while the join is still being enriched", () => {
  /** Starts the onboarding of `login`, whose Enrich waits on GitHub until `release` is called. */
  function joinHeldAtEnrich(login: string, id: number, receivedAt: string): { started: Promise<string>; release: () => void; enriching: Promise<void> } {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let enteredEnrich!: () => void;
    const enriching = new Promise<void>((r) => (enteredEnrich = r));
    nock.cleanAll();
    nockInstallationToken(5);
    nock(GH)
      .get(`/orgs/acme/memberships/${login}`)
      .reply((_uri, _body, cb) => {
        enteredEnrich();
        void gate.then(() => cb(null, [200, { state: "active", role: "member" }]));
      })
      .get(`/orgs/acme/memberships/${login}`)
      .optionally()
      .times(3)
      .reply(200, { state: "active", role: "member" })
      .get(`/users/${login}`)
      .reply(200, { login, id })
      .post("/graphql")
      .reply(200, { data: { organization: null } });
    const input: OnboardingInput = {
      org: "acme",
      orgId: 1,
      installationId: 1,
      member: { login, id },
      teams: [],
      teamProblems: [],
      dryRun: false,
      configSource: "x",
      deliveryId: `join-${login}-held`,
      receivedAt,
    };
    const started = sfn
      .send(
        new StartExecutionCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN, name: `held-${login}`, input: JSON.stringify(input) }),
      )
      .then((s) => s.executionArn!);
    return { started, release, enriching };
  }

  async function leaveNow(login: string, id: number): Promise<void> {
    nock(GH).get("/repos/acme/.github/contents/.github%2Fonboarding.yml").reply(404);
    await receive(removed(login, id), `leave-${login}-held`);
    for (let i = 0; i < 200 && !(await offboardings(login)).some((e) => e.status === "SUCCEEDED"); i++) await new Promise((r) => setTimeout(r, 25));
    expect((await offboardings(login)).map((e) => e.status)).toEqual(["SUCCEEDED"]);
  }

  test("a new joiner who leaves before their record is stored is not stored as current, and no welcome goes out", async () => {
    const { started, release, enriching } = joinHeldAtEnrich("fay", 16, new Date(Date.now() - 60_000).toISOString());
    await enriching;
    await leaveNow("fay", 16);
    release();
    const arn = await started;
    await embedded.idle();
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe("SUCCEEDED");
    expect((await listMembers("acme")).filter((m) => m.login === "fay")).toEqual([]);
    expect((await membersJson("--all")).filter((r) => r.login === "fay")).toEqual([]);
    expect(
      embedded.outbox
        .read()
        .filter((m) => m.subject?.includes("fay"))
        .map((m) => m.subject),
    ).toEqual(["Member left: fay"]);
  });

  test("a rejoiner who leaves again before the new record is stored stays left", async () => {
    await stored("gus", 17, "2026-10-01T09:00:00.000Z");
    const { started, release, enriching } = joinHeldAtEnrich("gus", 17, new Date(Date.now() - 60_000).toISOString());
    await enriching;
    await leaveNow("gus", 17);
    const leftAt = (await listMembers("acme")).find((m) => m.login === "gus")?.leftAt;
    expect(leftAt).toBeDefined();
    release();
    const arn = await started;
    await embedded.idle();
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe("SUCCEEDED");
    expect((await listMembers("acme")).find((m) => m.login === "gus")).toMatchObject({ joinedAt: "2026-10-01T09:00:00.000Z", leftAt });
    expect(embedded.outbox.read().some((m) => m.subject === "Member onboarded: gus")).toBe(false);
  });
});
