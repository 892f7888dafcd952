import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createPublicKey } from "node:crypto";
import { ListExecutionsCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import nock from "nock";
import { main as backfillCli } from "../app/cli/backfill.js";
import { machineArn } from "../app/dispatch/machines.js";
import { resetCredentialsCache } from "../app/secrets.js";
import { listMembers } from "../app/store/members.js";
import { resetInstallationClients } from "../app/github/octokit.js";
import { DEMO_INSTALLATION_ID } from "../infra/local/demo-scenario.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { startGitHubStandin, type GitHubStandin } from "../infra/local/github-standin.js";
import { privateKey } from "./helpers/app-env.js";

/**
 * The member backfill end to end on the embedded default against the GitHub stand-in: the org's members listed, the
 * member-onboarding machine run as a child for each member not yet stored, one notification for all.
 */
const ORG = "acme";
const MEMBERS = [
  { login: "alice-dev", id: 5001 },
  { login: "bob-ops", id: 5002 },
  { login: "carol-contractor", id: 5003 },
  { login: "dave-qa", id: 5004 },
  { login: "acme-ci[bot]", id: 5005, type: "Bot" },
];
let standin: GitHubStandin;
let embedded: Embedded;
let sfn: SFNClient;

async function backfill(...flags: string[]): Promise<{ code: number; result: Record<string, unknown> }> {
  let out = "";
  const write = (s: string): boolean => {
    out += s;
    return true;
  };
  const code = await backfillCli(["--org", ORG, "--members", ...flags, "--wait", "--format", "json"], { out: { write }, err: { write: () => true } } as never, {
    pollMs: 50,
    // two backfills started in the same second would share a name
    now: new Date(Date.now() + flags.length * 1000),
  });
  return { code, result: JSON.parse(out) as Record<string, unknown> };
}

const teamPuts = (): string[] => standin.calls.filter((c) => c.method === "PUT" && c.path.includes("/memberships/")).map((c) => c.path);
const outcomes = (o: string) => embedded.outbox.read().filter((m) => m.attributes?.outcome === o);

beforeAll(async () => {
  standin = await startGitHubStandin({
    appId: 123,
    publicKeyPem: createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
    orgs: [
      {
        login: ORG,
        installationId: DEMO_INSTALLATION_ID,
        teams: { engineering: ["bob-ops"] },
        files: { ".github/onboarding.yml": "teams:\n  - engineering\nexclude:\n  - '*-contractor'\n" },
        members: MEMBERS,
      },
    ],
    users: MEMBERS.map((m) => ({ login: m.login, id: m.id, name: m.login })),
  });
  nock.enableNetConnect();
  Object.assign(process.env, { APP_ID: "123", PRIVATE_KEY: privateKey, WEBHOOK_SECRET: "test-secret", GHE_HOST: standin.host, GHE_PROTOCOL: "http" });
  delete process.env.DIRECTORY_FILE;
  delete process.env.DEFAULT_TEAMS;
  resetCredentialsCache();
  resetInstallationClients();
  embedded = await startEmbedded({ retryIntervalMs: 10 });
  sfn = new SFNClient({});
});

afterAll(async () => {
  sfn?.destroy();
  await embedded?.stop();
  await standin?.close();
  delete process.env.GHE_HOST;
  delete process.env.GHE_PROTOCOL;
});

describe("member backfill", () => {
  it("onboards the members not yet stored as member-onboarding children, skips the excluded, changes no team, notifies once", async () => {
    // bob-ops joined after the install: onboarded live (and notified) already, as the webhook starts it.
    await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: machineArn("memberOnboarding"),
        name: "live-bob",
        input: JSON.stringify({
          org: ORG,
          orgId: 1001,
          installationId: DEMO_INSTALLATION_ID,
          member: { login: "bob-ops", id: 5002 },
          teams: [{ slug: "engineering", role: "member", status: "already_member" }],
          teamProblems: [],
          dryRun: false,
          configSource: "acme/.github:.github/onboarding.yml",
          deliveryId: "live-bob",
          receivedAt: new Date().toISOString(),
        }),
      }),
    );
    await embedded.idle();
    expect(outcomes("success")).toHaveLength(1);
    const putsBefore = teamPuts().length;

    const { code, result } = await backfill();
    expect(code).toBe(0);
    expect(result).toMatchObject({ status: "SUCCEEDED", members: 5, excluded: 2, stored: 1, onboarded: 2, teamAdds: 0, failures: 0 });
    expect((await listMembers(ORG)).map((m) => m.login).sort()).toEqual(["alice-dev", "bob-ops", "dave-qa"]);
    // No team change without --teams; no per-member notification from the children; one for the backfill.
    expect(teamPuts()).toHaveLength(putsBefore);
    expect(outcomes("success")).toHaveLength(1);
    const notices = outcomes("member-backfill");
    expect(notices.map((m) => m.subject)).toEqual([`Member backfill of ${ORG}: 2 onboarded`]);
    expect(notices[0]!.message).toContain("Excluded by configuration: 2");
    // The children are the member-onboarding machine's own executions, named after the backfill and the member id.
    const children = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn("memberOnboarding") }));
    const names = (children.executions ?? []).map((e) => e.name!).filter((n) => n.startsWith("mbf-"));
    expect(names.map((n) => n.replace(/^mbf-acme-\d{12}-/, "")).sort()).toEqual(["m5001", "m5004"]);
  });

  it("a second backfill onboards nothing; with --teams it adds the members to the configured teams, as for a joiner", async () => {
    const { code, result } = await backfill("--teams");
    expect(code).toBe(0);
    expect(result).toMatchObject({ status: "SUCCEEDED", members: 5, excluded: 2, stored: 3, onboarded: 0, teamAdds: 2, failures: 0 });
    expect(standin.teamMembers(ORG, "engineering")).toEqual(["alice-dev", "bob-ops", "dave-qa"]);
    expect(outcomes("member-backfill")).toHaveLength(2);
  });

  it("--teams goes with --members; --members takes no window", async () => {
    const io = { out: { write: () => true }, err: { write: () => true } } as never;
    await expect(backfillCli(["--org", ORG, "--teams", "--since", "2026-10-01"], io)).rejects.toMatchObject({ name: "UsageError" });
    await expect(backfillCli(["--org", ORG, "--members", "--since", "2026-10-01"], io)).rejects.toMatchObject({ name: "UsageError" });
  });
});
