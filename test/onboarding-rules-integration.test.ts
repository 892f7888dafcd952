import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import nock from "nock";
import { executionHistory } from "../app/executions/query.js";
import { stepsFromHistory } from "../app/executions/steps.js";
import type { OnboardingInput } from "../app/records/onboarding-input.js";
import { listMembers } from "../app/store/members.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { blockNetwork, nockActiveMembers, nockInstallationToken, setAppEnv } from "./helpers/app-env.js";

/** Directory rules on the embedded default: real ASL, real dynalite, the apply-team-rules task, nocked GitHub. */
let embedded: Embedded;
let sfn: SFNClient;
const GH = "https://api.github.com";

beforeAll(async () => {
  setAppEnv();
  const dir = mkdtempSync(join(tmpdir(), "rules-it-"));
  const directory = join(dir, "people.csv");
  writeFileSync(
    directory,
    "login,email,department,title,costCenter\nann,ann@corp.example,Platform,Engineer,CC-1\nkim,kim@corp.example,Security,Lead,CC-2\nlou,lou@corp.example,Platform,Engineer,CC-1\n",
  );
  process.env.DIRECTORY_FILE = directory;
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  sfn = new SFNClient({});
});

afterAll(async () => {
  delete process.env.DIRECTORY_FILE;
  await embedded.stop();
  sfn.destroy();
});

beforeEach(() => {
  blockNetwork();
  nockActiveMembers();
});
afterEach(() => nock.cleanAll());

const RULES: NonNullable<OnboardingInput["rules"]> = [
  {
    when: { department: ["Platform"] },
    teams: [
      { slug: "platform", role: "member" },
      { slug: "sre", role: "maintainer" },
    ],
  },
  { when: { department: ["Security", "SecOps"], title: ["Lead"] }, teams: [{ slug: "security-leads", role: "member" }] },
  { when: { costCenter: ["CC-9"] }, teams: [{ slug: "never", role: "member" }] },
];

function input(login: string, id: number, over: Partial<OnboardingInput> = {}): OnboardingInput {
  return {
    org: "acme",
    orgId: 1,
    installationId: 77,
    member: { login, id, type: "User", role: "member" },
    teams: [{ slug: "engineering", role: "member", status: "added" }],
    teamProblems: [],
    dryRun: false,
    configSource: "acme/.github:.github/onboarding.yml",
    rules: RULES,
    deliveryId: `d-${login}`,
    receivedAt: "2026-11-20T10:00:00.000Z",
    ...over,
  };
}

function profile(login: string, id: number): void {
  nock(GH)
    .get(`/users/${login}`)
    .reply(200, { login, id })
    .post("/graphql")
    .reply(200, { data: { organization: { samlIdentityProvider: null } } });
}

async function run(name: string, inp: OnboardingInput): Promise<{ status?: string; arn: string }> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN, name, input: JSON.stringify(inp) }),
  );
  await embedded.idle();
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return { status: d.status, arn: executionArn! };
}

test("after enrichment, the matching rule's teams are added with their roles and stored on the record", async () => {
  nockInstallationToken(2);
  profile("ann", 1);
  const gh = nock(GH)
    .get("/orgs/acme/teams/platform/memberships/ann")
    .reply(404)
    .put("/orgs/acme/teams/platform/memberships/ann", { role: "member" })
    .reply(200, { state: "active" })
    .get("/orgs/acme/teams/sre/memberships/ann")
    .reply(404)
    .put("/orgs/acme/teams/sre/memberships/ann", { role: "maintainer" })
    .reply(200, { state: "active" });
  const r = await run("rules-ann", input("ann", 1));
  expect(r.status).toBe("SUCCEEDED");
  expect(gh.isDone()).toBe(true);
  const steps = stepsFromHistory(await executionHistory(sfn, r.arn)).map((s) => s.state);
  expect(steps.indexOf("ApplyRules")).toBe(steps.indexOf("Enrich") + 1);
  const ann = (await listMembers("acme")).find((m) => m.login === "ann");
  expect(ann?.department).toBe("Platform");
  expect(ann?.teams).toEqual([
    { slug: "engineering", role: "member", status: "added" },
    { slug: "platform", role: "member", status: "added", source: "rule" },
    { slug: "sre", role: "maintainer", status: "added", source: "rule" },
  ]);
  const msg = embedded.outbox.read().find((m) => m.subject === "Member onboarded: ann");
  expect(msg?.message).toContain("platform (added), sre (added)");
});

test("a team the joiner's step already handled is not touched again; a missing team is a team problem", async () => {
  nockInstallationToken(2);
  profile("lou", 3);
  const gh = nock(GH).get("/orgs/acme/teams/sre/memberships/lou").reply(404).put("/orgs/acme/teams/sre/memberships/lou").reply(404, { message: "Not Found" });
  const r = await run("rules-lou", input("lou", 3, { teams: [{ slug: "platform", role: "member", status: "already_member" }] }));
  expect(r.status).toBe("SUCCEEDED");
  expect(gh.isDone()).toBe(true);
  const lou = (await listMembers("acme")).find((m) => m.login === "lou");
  expect(lou?.teams.map((t) => `${t.slug}:${t.status}`)).toEqual(["platform:already_member", "sre:team_not_found"]);
  const msg = embedded.outbox.read().find((m) => m.subject === "Member onboarded with team problems: lou");
  expect(msg?.message).toContain("sre: team_not_found (no team 'sre' in acme)");
});

test("dry run: the rule's teams are reported, nothing is changed in GitHub", async () => {
  nockInstallationToken(1);
  profile("kim", 2);
  const r = await run("rules-kim", input("kim", 2, { dryRun: true, teams: [{ slug: "engineering", role: "member", status: "dry_run" }] }));
  expect(r.status).toBe("SUCCEEDED");
  const kim = (await listMembers("acme")).find((m) => m.login === "kim");
  expect(kim?.teams.map((t) => `${t.slug}:${t.status}`)).toEqual(["engineering:dry_run", "security-leads:dry_run"]);
  // (no membership call is nocked: one would have been refused and recorded as "failed", not "dry_run")
});

test("a member no rule matches (not in the directory) gets no GitHub call from the rules", async () => {
  nockInstallationToken(1);
  profile("zed", 4);
  const r = await run("rules-zed", input("zed", 4));
  expect(r.status).toBe("SUCCEEDED");
  const zed = (await listMembers("acme")).find((m) => m.login === "zed");
  expect(zed).toMatchObject({ enrichment: "not_found", teams: [{ slug: "engineering", status: "added" }] });
});
