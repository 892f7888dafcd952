import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import nock from "nock";
import type { Probot } from "probot";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import type { OnboardingInput } from "../app/records/onboarding-input.js";
import { blockNetwork, nockActiveMembers, nockInstallationToken, setAppEnv, testProbot } from "./helpers/app-env.js";
import { configFile, memberAddedPayload } from "./fixtures/member-added.js";

const GH = "https://api.github.com";
let embedded: Embedded;
let probot: Probot;
let sfn: SFNClient;

beforeAll(async () => {
  setAppEnv();
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  sfn = new SFNClient({});
  probot = await testProbot();
});

afterAll(async () => {
  await embedded.stop();
  sfn.destroy();
});

beforeEach(() => {
  blockNetwork();
  nockActiveMembers();
  // The onboarding executions started by these tests run in the background; their GitHub calls are not under test.
  nock(GH)
    .persist()
    .get(/\/users\//)
    .reply(404)
    .post("/graphql")
    .reply(200, { data: { organization: null } });
});

afterEach(async () => {
  await embedded.idle();
  nock.cleanAll();
});

async function inputsFor(login: string): Promise<OnboardingInput[]> {
  const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN }));
  const mine = (list.executions ?? []).filter((e) => e.name?.endsWith(`-${login}`));
  return Promise.all(
    mine.map(async (e) => JSON.parse((await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }))).input ?? "{}") as OnboardingInput),
  );
}

function receive(payload: object, id = `delivery-${Math.random()}`): Promise<void> {
  return probot.receive({ id, name: "organization", payload } as Parameters<Probot["receive"]>[0]);
}

describe("organization.member_added", () => {
  test("adds the member to each configured team with its role, then starts onboarding without a token", async () => {
    nockInstallationToken(1);
    const gh = nock(GH)
      .get("/repos/acme/.github/contents/.github%2Fonboarding.yml")
      .reply(200, configFile("teams:\n  - engineering\n  - slug: platform\n    role: maintainer\n"))
      .get("/orgs/acme/teams/engineering/memberships/ann")
      .reply(404)
      .put("/orgs/acme/teams/engineering/memberships/ann", { role: "member" })
      .reply(200, { state: "active", role: "member" })
      .get("/orgs/acme/teams/platform/memberships/ann")
      .reply(404)
      .put("/orgs/acme/teams/platform/memberships/ann", { role: "maintainer" })
      .reply(200, { state: "active", role: "maintainer" });
    await receive(memberAddedPayload("acme", 1, { login: "ann", id: 11 }));
    expect(gh.isDone()).toBe(true);
    const [input, ...more] = await inputsFor("ann");
    expect(more).toHaveLength(0);
    expect(input!.teams).toEqual([
      { slug: "engineering", role: "member", status: "added" },
      { slug: "platform", role: "maintainer", status: "added" },
    ]);
    expect(input!.installationId).toBe(4242);
    expect(JSON.stringify(input)).not.toMatch(/ghs_|token/i);
  });

  test("an existing membership counts as success and is not written again", async () => {
    nockInstallationToken(1);
    const gh = nock(GH)
      .get("/repos/acme/.github/contents/.github%2Fonboarding.yml")
      .reply(200, configFile("teams: [engineering]\n"))
      .get("/orgs/acme/teams/engineering/memberships/ben")
      .reply(200, { state: "active", role: "member" });
    await receive(memberAddedPayload("acme", 1, { login: "ben", id: 12 }));
    expect(gh.isDone()).toBe(true);
    const [input] = await inputsFor("ben");
    expect(input!.teams).toEqual([{ slug: "engineering", role: "member", status: "already_member" }]);
    expect(input!.teamProblems).toEqual([]);
  });

  test("a missing team is reported and the other teams are still processed", async () => {
    nockInstallationToken(1);
    nock(GH)
      .get("/repos/acme/.github/contents/.github%2Fonboarding.yml")
      .reply(200, configFile("teams: [design, engineering]\n"))
      .get("/orgs/acme/teams/design/memberships/cat")
      .reply(404)
      .put("/orgs/acme/teams/design/memberships/cat")
      .reply(404, { message: "Not Found" })
      .get("/orgs/acme/teams/engineering/memberships/cat")
      .reply(404)
      .put("/orgs/acme/teams/engineering/memberships/cat")
      .reply(200, { state: "active" });
    await receive(memberAddedPayload("acme", 1, { login: "cat", id: 13 }));
    const [input] = await inputsFor("cat");
    expect(input!.teams.map((t) => `${t.slug}:${t.status}`)).toEqual(["design:team_not_found", "engineering:added"]);
    expect(input!.teamProblems).toEqual(["design: team_not_found (no team 'design' in acme)"]);
  });

  test("a bad config changes nothing in GitHub and reaches the execution as configError", async () => {
    nockInstallationToken(1);
    const gh = nock(GH).get("/repos/acme/.github/contents/.github%2Fonboarding.yml").reply(200, configFile("teams:\n  - slug: x\n    role: owner\n"));
    await receive(memberAddedPayload("acme", 1, { login: "dan", id: 14 }));
    expect(gh.isDone()).toBe(true);
    expect(nock.pendingMocks().filter((m) => m.includes("/teams/"))).toEqual([]);
    const [input] = await inputsFor("dan");
    expect(input!.teams).toEqual([]);
    expect(input!.configError).toBe("acme/.github:.github/onboarding.yml: teams[0].role: must be one of member, maintainer");
  });

  test("a bot is excluded: no team change, no execution", async () => {
    nockInstallationToken(1);
    nock(GH).get("/repos/acme/.github/contents/.github%2Fonboarding.yml").reply(404);
    process.env.DEFAULT_TEAMS = "engineering";
    try {
      await receive(memberAddedPayload("acme", 1, { login: "deploy-bot[bot]", id: 15, type: "Bot" }));
    } finally {
      delete process.env.DEFAULT_TEAMS;
    }
    expect(await inputsFor("deploy-bot-bot")).toHaveLength(0);
    const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN }));
    expect((list.executions ?? []).some((e) => e.name?.includes("deploy-bot"))).toBe(false);
  });

  test("without a config file DEFAULT_TEAMS applies", async () => {
    nockInstallationToken(1);
    nock(GH)
      .get("/repos/acme/.github/contents/.github%2Fonboarding.yml")
      .reply(404)
      .get("/orgs/acme/teams/everyone/memberships/eve")
      .reply(404)
      .put("/orgs/acme/teams/everyone/memberships/eve")
      .reply(200, { state: "pending" });
    process.env.DEFAULT_TEAMS = "everyone";
    try {
      await receive(memberAddedPayload("acme", 1, { login: "eve", id: 16 }));
    } finally {
      delete process.env.DEFAULT_TEAMS;
    }
    const [input] = await inputsFor("eve");
    expect(input!.configSource).toBe("DEFAULT_TEAMS");
    expect(input!.teams).toEqual([{ slug: "everyone", role: "member", status: "pending_invitation" }]);
  });

  test("a redelivery starts nothing new and does not fail", async () => {
    nockInstallationToken(2);
    nock(GH)
      .get("/repos/acme/.github/contents/.github%2Fonboarding.yml")
      .times(2)
      .reply(200, configFile("teams: [engineering]\n"))
      .get("/orgs/acme/teams/engineering/memberships/fay")
      .reply(404)
      .put("/orgs/acme/teams/engineering/memberships/fay")
      .reply(200, { state: "active" })
      .get("/orgs/acme/teams/engineering/memberships/fay")
      .reply(200, { state: "active" });
    const payload = memberAddedPayload("acme", 1, { login: "fay", id: 17 });
    await receive(payload, "same-delivery");
    await receive(payload, "same-delivery");
    expect(await inputsFor("fay")).toHaveLength(1);
  });

  test("GitHub failing on the config read fails the delivery so that it can be redelivered", async () => {
    nockInstallationToken(1);
    nock(GH).get("/repos/acme/.github/contents/.github%2Fonboarding.yml").reply(502);
    await expect(receive(memberAddedPayload("acme", 1, { login: "gus", id: 18 }))).rejects.toThrow();
    expect(await inputsFor("gus")).toHaveLength(0);
  });
});
