import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import nock from "nock";
import { main } from "../app/cli/sync-teams.js";
import { buildMemberRecord, memberItem } from "../app/records/member.js";
import type { OnboardingInput } from "../app/records/onboarding-input.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { configFile } from "./fixtures/member-added.js";
import { blockNetwork, nockActiveMembers, nockInstallationToken, setAppEnv } from "./helpers/app-env.js";

/** sync-teams: drift from nocked GitHub, dry run, --apply through the team-sync machine on the embedded default, the cap. */
const GH = "https://api.github.com";
let embedded: Embedded;
let sfn: SFNClient;

const CONFIG = [
  "teams: [engineering]",
  "exclude: ['*-contractor']",
  "rules:",
  "  - when: { department: Platform }",
  "    teams: [{ slug: platform, role: maintainer }]",
  "",
].join("\n");

beforeAll(async () => {
  setAppEnv();
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  sfn = new SFNClient({});
  const db = new DynamoDBClient({});
  const people: Array<[string, number, Record<string, string> | null, string?]> = [
    ["ann", 1, { department: "Platform" }],
    ["bob", 2, null],
    ["cat", 3, { department: "Platform" }],
    ["dave-contractor", 4, { department: "Platform" }],
    ["gone", 5, { department: "Platform" }, "2026-11-10T00:00:00.000Z"],
  ];
  for (const [login, id, entry, leftAt] of people) {
    const input: OnboardingInput = {
      org: "acme",
      orgId: 1,
      installationId: 4242,
      member: { login, id },
      teams: [],
      teamProblems: [],
      dryRun: false,
      configSource: "x",
      deliveryId: `d${id}`,
      receivedAt: `2026-11-0${id}T00:00:00.000Z`,
    };
    const record = { ...buildMemberRecord(input, null, null, entry, "file:people.csv", new Date()), ...(leftAt ? { leftAt } : {}) };
    await db.send(new PutItemCommand({ TableName: process.env.TABLE_NAME, Item: memberItem(record) }));
  }
  db.destroy();
});

afterAll(async () => {
  await embedded.stop();
  sfn.destroy();
});
beforeEach(() => {
  blockNetwork();
  nockActiveMembers();
});
afterEach(() => nock.cleanAll());

function buffers() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) } }, out, err };
}

/** GitHub as sync-teams reads it: the installation, the config, each team's members and pending invitations. */
function github(config = CONFIG): nock.Scope {
  nockInstallationToken(3);
  return (
    nock(GH)
      .get("/orgs/acme/installation")
      .reply(200, { id: 4242 })
      .get("/repos/acme/.github/contents/.github%2Fonboarding.yml")
      .reply(200, configFile(config))
      .get("/orgs/acme/teams/engineering/members")
      .query(true)
      .reply(200, [{ login: "bob" }])
      .get("/orgs/acme/teams/engineering/invitations")
      .query(true)
      .reply(200, [])
      .get("/orgs/acme/teams/platform/members")
      .query(true)
      .reply(200, [{ login: "ann" }])
      .get("/orgs/acme/teams/platform/invitations")
      .query(true)
      // cat was invited to platform and has not accepted yet: no second invitation
      .reply(200, [{ login: "cat" }, { login: null, email: "someone@example.com" }])
  );
}

type Row = { member: string; team: string; action: string; applied: boolean; status: string | null };

async function teamSyncs(): Promise<number> {
  const list = await sfn.send(new ListExecutionsCommand({ stateMachineArn: process.env.TEAM_SYNC_STATE_MACHINE_ARN }));
  return (list.executions ?? []).length;
}

test("dry run: each member's teams against GitHub's (pending invitations count), nothing changed", async () => {
  const gh = github();
  const b = buffers();
  expect(await main(["--org", "acme", "--format", "json"], b.io)).toBe(0);
  expect(gh.isDone()).toBe(true);
  const rows = JSON.parse(b.out.join("")) as Row[];
  expect(rows.map((r) => [r.member, r.team, r.action, r.applied])).toEqual([
    ["ann", "engineering", "add", false],
    ["ann", "platform", "already", false],
    ["bob", "engineering", "already", false],
    ["cat", "engineering", "add", false],
    ["cat", "platform", "pending", false],
  ]);
  expect(b.err.join("")).toContain("2 team additions found for 4 current members of acme (dry run");
  expect(await teamSyncs()).toBe(0);
});

test("--apply above maxChanges refuses to start and says how many changes it found", async () => {
  github(`${CONFIG}maxChanges: 1\n`);
  const b = buffers();
  expect(await main(["--org", "acme", "--apply"], b.io)).toBe(1);
  expect(b.err.join("")).toContain("2 team additions found, more than maxChanges (1");
  expect(await teamSyncs()).toBe(0);
});

test("--apply makes the additions through the team-sync machine (add-only) and reports each as applied", async () => {
  github();
  const puts = nock(GH)
    .get("/orgs/acme/teams/engineering/memberships/ann")
    .reply(404)
    .put("/orgs/acme/teams/engineering/memberships/ann", { role: "member" })
    .reply(200, { state: "active" })
    .get("/orgs/acme/teams/engineering/memberships/cat")
    .reply(404)
    .put("/orgs/acme/teams/engineering/memberships/cat", { role: "member" })
    .reply(200, { state: "active" });
  const b = buffers();
  expect(await main(["--org", "acme", "--apply", "--format", "json"], b.io)).toBe(0);
  expect(puts.isDone()).toBe(true);
  const rows = JSON.parse(b.out.join("")) as Row[];
  expect(rows.filter((r) => r.action === "add").map((r) => [r.member, r.team, r.applied, r.status])).toEqual([
    ["ann", "engineering", true, "added"],
    ["cat", "engineering", true, "added"],
  ]);
  expect(rows.find((r) => r.action === "pending")).toMatchObject({ member: "cat", team: "platform", applied: false });
  expect(b.err.join("")).toContain("2 of 2 additions applied");
  expect(await teamSyncs()).toBe(1);
  expect(embedded.outbox.read().some((m) => m.subject === "Teams synced: acme")).toBe(true);
});

test("a team add that fails is reported as not applied, with exit code 1", async () => {
  github();
  nock(GH)
    .get("/orgs/acme/teams/engineering/memberships/ann")
    .reply(404)
    .put("/orgs/acme/teams/engineering/memberships/ann")
    .reply(200, { state: "active" })
    .get("/orgs/acme/teams/engineering/memberships/cat")
    .reply(404)
    .put("/orgs/acme/teams/engineering/memberships/cat")
    .reply(422, { message: "Validation Failed" });
  const b = buffers();
  expect(await main(["--org", "acme", "--apply", "--format", "json"], b.io)).toBe(1);
  const rows = JSON.parse(b.out.join("")) as Row[];
  expect(rows.find((r) => r.member === "cat" && r.action === "add")).toMatchObject({ applied: false, status: "failed" });
});

test("an add GitHub answers 502 is retried by the machine and applied; one that keeps failing is reported failed after the retries", async () => {
  github();
  nock(GH)
    .get("/orgs/acme/teams/engineering/memberships/ann")
    .reply(404)
    .put("/orgs/acme/teams/engineering/memberships/ann")
    .reply(502, { message: "Bad Gateway" })
    .get("/orgs/acme/teams/engineering/memberships/ann")
    .reply(404)
    .put("/orgs/acme/teams/engineering/memberships/ann")
    .reply(200, { state: "active" });
  // Its own scope: persist() applies to every interceptor of a scope.
  nock(GH)
    .persist()
    .get("/orgs/acme/teams/engineering/memberships/cat")
    .reply(404)
    .put("/orgs/acme/teams/engineering/memberships/cat")
    .reply(503, { message: "Service Unavailable" });
  const b = buffers();
  expect(await main(["--org", "acme", "--apply", "--format", "json"], b.io)).toBe(1);
  const rows = JSON.parse(b.out.join("")) as Row[];
  expect(rows.find((r) => r.member === "ann" && r.action === "add")).toMatchObject({ applied: true, status: "added" });
  // The task's Retry, then the last call that reports instead of throwing.
  expect(rows.find((r) => r.member === "cat" && r.action === "add")).toMatchObject({ applied: false, status: "failed", detail: "GitHub answered HTTP 503" });
});

test("a bad flag exits 2 with one line", async () => {
  const b = buffers();
  expect(await main(["--org", "not an org!"], b.io)).toBe(2);
  expect(b.err.join("")).toMatch(/^sync-teams: .*\(see --help\)\n$/);
});

test("--config previews a local onboarding.yml: what each rule matches among stored members, to the operator only, nothing changed", async () => {
  github();
  const dir = mkdtempSync(join(tmpdir(), "sync-preview-"));
  const file = join(dir, "onboarding.yml");
  writeFileSync(
    file,
    "teams: [engineering]\nrules:\n  - when: { department: Platform }\n    teams: [platform]\n  - when: { department: Nowhere }\n    teams: [platform]\n",
  );
  const b = buffers();
  const before = await teamSyncs();
  expect(await main(["--org", "acme", "--config", file, "--format", "json"], b.io)).toBe(0);
  const err = b.err.join("");
  expect(err).toContain("rule 1 (department: Platform) -> platform: matches 3 stored members (ann, cat, dave-contractor)");
  expect(err).toContain("rule 2 (department: Nowhere) -> platform: matches no stored member");
  expect(await teamSyncs()).toBe(before);
});

test("--config cannot be combined with --apply, and an unreadable file is a usage error of one line", async () => {
  await expect(main(["--org", "acme", "--config", "x.yml", "--apply"], buffers().io)).rejects.toMatchObject({
    name: "UsageError",
    message: "--config previews a file: it cannot be combined with --apply (merge the file, then apply)",
  });
  await expect(main(["--org", "acme", "--config", "/nonexistent/onboarding.yml"], buffers().io)).rejects.toMatchObject({
    name: "UsageError",
    message: "--config /nonexistent/onboarding.yml: cannot be read (ENOENT)",
  });
});
