import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import nock from "nock";
import type { Probot } from "probot";
import { ScimDirectory } from "../app/directory/scim-directory.js";
import { buildMemberRecord, memberItem, type MemberRecord } from "../app/records/member.js";
import type { OnboardingInput } from "../app/records/onboarding-input.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { listMembers } from "../app/store/members.js";
import { tableName } from "../app/store/table.js";
import { handler as syncMemberTeams } from "../app/tasks/sync-member-teams.lambda.js";
import { teamsFromRules } from "../app/teams/rules.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { configFile, memberAddedPayload } from "./fixtures/member-added.js";
import { blockNetwork, nockInstallationToken, setAppEnv, testProbot } from "./helpers/app-env.js";

/**
 * What a member writes about themselves (their GitHub profile) never earns a team, and an old join (redelivered,
 * swept or replayed after a leave) adds nobody and does not make a leaver current again.
 */
const GH = "https://api.github.com";
let embedded: Embedded;
let sfn: SFNClient;
let probot: Probot;

beforeAll(async () => {
  setAppEnv();
  const dir = mkdtempSync(join(tmpdir(), "trust-"));
  const directory = join(dir, "people.csv");
  writeFileSync(directory, "login,email,department,company\ndave-contractor,dave@contractor.example,Delivery,Contractor Ltd\n");
  process.env.DIRECTORY_FILE = directory;
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  sfn = new SFNClient({});
  probot = await testProbot();
});
afterAll(async () => {
  delete process.env.DIRECTORY_FILE;
  await embedded.stop();
  sfn.destroy();
});
beforeEach(() => blockNetwork());
afterEach(() => nock.cleanAll());

const RULES: NonNullable<OnboardingInput["rules"]> = [
  { when: { company: ["Acme Corp"] }, teams: [{ slug: "staff", role: "member" }] },
  { when: { name: ["Grace Hopper"] }, teams: [{ slug: "admirals", role: "maintainer" }] },
  { when: { email: ["ceo@acme.example"] }, teams: [{ slug: "exec", role: "member" }] },
];

function input(login: string, id: number, over: Partial<OnboardingInput> = {}): OnboardingInput {
  return {
    org: "acme",
    orgId: 1,
    installationId: 77,
    member: { login, id, type: "User", role: "member" },
    teams: [],
    teamProblems: [],
    dryRun: false,
    configSource: "acme/.github:.github/onboarding.yml",
    rules: RULES,
    deliveryId: `d-${login}-${Math.random()}`,
    receivedAt: new Date().toISOString(),
    ...over,
  };
}

async function run(name: string, inp: OnboardingInput): Promise<{ status?: string; cause?: string }> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN, name, input: JSON.stringify(inp) }),
  );
  await embedded.idle();
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return { status: d.status, cause: d.cause };
}

/** A member whose own profile claims what the rules look for. */
function selfDescribed(login: string, id: number): nock.Scope {
  return nock(GH)
    .get(`/orgs/acme/memberships/${login}`)
    .times(2)
    .reply(200, { state: "active" })
    .get(`/users/${login}`)
    .reply(200, { login, id, name: "Grace Hopper", company: "Acme Corp", email: "ceo@acme.example" })
    .post("/graphql")
    .reply(200, { data: { organization: { samlIdentityProvider: null } } });
}

describe("a profile cannot earn a team", () => {
  test("a contractor whose profile says the rule's company (the directory says otherwise) joins no rule team", async () => {
    nockInstallationToken(2);
    const gh = selfDescribed("dave-contractor", 21);
    // Nothing else is nocked: any team call would fail the execution or be left pending.
    const r = await run("trust-dave", input("dave-contractor", 21));
    expect(r.status).toBe("SUCCEEDED");
    expect(gh.pendingMocks().filter((m) => m.includes("/teams/"))).toEqual([]);
    const dave = (await listMembers("acme")).find((m) => m.login === "dave-contractor");
    expect(dave?.directory?.company).toBe("Contractor Ltd");
    expect(dave?.teams).toEqual([]);
  });

  test("a joiner missing from the directory matches no rule, whatever their profile says", async () => {
    nockInstallationToken(2);
    selfDescribed("mallory", 22);
    const r = await run("trust-mallory", input("mallory", 22));
    expect(r.status).toBe("SUCCEEDED");
    const m = (await listMembers("acme")).find((x) => x.login === "mallory");
    expect(m?.enrichment).toBe("not_found");
    expect(m?.teams).toEqual([]);
  });

  test("(pure) the directory's own columns still match; the profile's same-named value never does", () => {
    const record = buildMemberRecord(
      input("dave", 1),
      { name: "Grace Hopper", company: "Acme Corp", email: "ceo@acme.example" },
      null,
      { company: "Contractor Ltd", email: "dave@contractor.example", displayName: "Dave" },
      "file:people.csv",
      new Date(),
    );
    const rule = (when: Record<string, string[]>) => [{ when, teams: [{ slug: "t", role: "member" as const }] }];
    expect(teamsFromRules(rule({ company: ["Acme Corp"] }), record)).toEqual([]);
    expect(teamsFromRules(rule({ company: ["Contractor Ltd"] }), record)).toEqual([{ slug: "t", role: "member" }]);
    expect(teamsFromRules(rule({ email: ["dave@contractor.example"] }), record)).toEqual([{ slug: "t", role: "member" }]);
    expect(teamsFromRules(rule({ name: ["Dave"] }), record)).toEqual([{ slug: "t", role: "member" }]);
    // Without a directory name and email, the profile's are shown on the record but never matched.
    const own = buildMemberRecord(
      input("eve", 2),
      { name: "Grace Hopper", email: "ceo@acme.example" },
      null,
      { department: "X" },
      "file:people.csv",
      new Date(),
    );
    expect(own.name).toBe("Grace Hopper");
    expect(teamsFromRules(rule({ name: ["Grace Hopper"] }), own)).toEqual([]);
    expect(teamsFromRules(rule({ email: ["ceo@acme.example"] }), own)).toEqual([]);
  });
});

describe("SCIM: the IdP's identity before the GitHub login", () => {
  test("with a SAML identity the login is never looked up (anyone can pick a login equal to someone's userName)", async () => {
    const scim = nock("https://idp.example")
      .get("/scim/v2/Users")
      .query({ filter: 'userName eq "real.person@corp.example"', count: "1" })
      .reply(200, { Resources: [{ userName: "real.person@corp.example", title: "Engineer" }] });
    const d = new ScimDirectory("https://idp.example/scim/v2", "t");
    const entry = await d.lookup("ceo", { emails: [], identities: ["real.person@corp.example"] });
    expect(entry?.title).toBe("Engineer");
    expect(scim.isDone()).toBe(true);
  });

  test("then externalId; the login only when the IdP vouches for nothing", async () => {
    const scim = nock("https://idp.example")
      .get("/scim/v2/Users")
      .query({ filter: 'userName eq "u-7"', count: "1" })
      .reply(200, { Resources: [] })
      .get("/scim/v2/Users")
      .query({ filter: 'externalId eq "u-7"', count: "1" })
      .reply(200, { Resources: [{ externalId: "u-7", title: "Lead" }] })
      .get("/scim/v2/Users")
      .query({ filter: 'userName eq "gh-login"', count: "1" })
      .reply(200, { Resources: [{ userName: "gh-login", title: "Staff" }] });
    const d = new ScimDirectory("https://idp.example/scim/v2", "t");
    expect((await d.lookup("someone", { emails: [], identities: ["u-7"] }))?.title).toBe("Lead");
    expect((await d.lookup("gh-login", { emails: [] }))?.title).toBe("Staff");
    expect(scim.isDone()).toBe(true);
  });
});

describe("an old join adds nobody", () => {
  const leaver: MemberRecord = {
    org: "acme",
    login: "bob-ops",
    userId: 31,
    enrichment: "found",
    teams: [{ slug: "engineering", role: "member", status: "added" }],
    joinedAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-06-01T00:00:00.000Z",
    deliveryId: "d-join",
    leftAt: "2026-06-01T00:00:00.000Z",
    leftDeliveryId: "d-leave",
  };

  test("member_added replayed after member_removed: no team add, no execution, the record stays a leaver's", async () => {
    await dynamoClient().send(new PutItemCommand({ TableName: tableName(), Item: memberItem(leaver) }));
    nockInstallationToken(1);
    const gh = nock(GH)
      .get("/repos/acme/.github/contents/.github%2Fonboarding.yml")
      .reply(200, configFile("teams: [engineering]\n"))
      .get("/orgs/acme/memberships/bob-ops")
      .reply(404, { message: "Not Found" });
    // A new delivery id: the execution-name dedupe cannot catch it.
    await probot.receive({
      id: "replayed-under-a-new-id",
      name: "organization",
      payload: memberAddedPayload("acme", 1, { login: "bob-ops", id: 31 }),
    } as Parameters<Probot["receive"]>[0]);
    expect(gh.isDone()).toBe(true);
    expect(nock.pendingMocks()).toEqual([]);
    const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN }));
    expect(list.executions?.some((e) => e.name?.includes("bob-ops"))).toBe(false);
    const bob = (await listMembers("acme")).find((m) => m.login === "bob-ops");
    expect(bob?.leftAt).toBe(leaver.leftAt);
  });

  test("an onboarding execution for someone who has left stores nothing and says why", async () => {
    nockInstallationToken(1);
    nock(GH).get("/orgs/acme/memberships/gone").reply(404, { message: "Not Found" });
    const r = await run("trust-gone", input("gone", 41));
    expect(r.status).toBe("FAILED");
    expect(r.cause).toContain("gone is not a current member of acme");
    expect((await listMembers("acme")).some((m) => m.login === "gone")).toBe(false);
  });

  test("sync-teams' task adds a stored member who has since left to nothing", async () => {
    nockInstallationToken(1);
    const gh = nock(GH).get("/orgs/acme/memberships/left-since").reply(404, { message: "Not Found" });
    const out = await syncMemberTeams({ org: "acme", installationId: 77, login: "left-since", teams: [{ slug: "engineering", role: "member" }] });
    expect(gh.isDone()).toBe(true);
    expect(out.teams).toEqual([{ slug: "engineering", role: "member", status: "failed", detail: expect.stringContaining("not a current member") }]);
  });
});
