import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeExecutionCommand, ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import nock from "nock";
import { listMembers } from "../app/store/members.js";
import { executionHistory } from "../app/executions/query.js";
import { stepsFromHistory } from "../app/executions/steps.js";
import type { OnboardingInput } from "../app/records/onboarding-input.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { blockNetwork, nockActiveMembers, nockInstallationToken, setAppEnv } from "./helpers/app-env.js";

/** The member-onboarding machine end to end on the embedded backends: real dynalite, real ASL, nocked GitHub. */
let embedded: Embedded;
let sfn: SFNClient;
const GH = "https://api.github.com";

beforeAll(async () => {
  setAppEnv();
  const dir = mkdtempSync(join(tmpdir(), "onboarding-it-"));
  const directory = join(dir, "people.json");
  writeFileSync(directory, JSON.stringify([{ login: "ann", email: "ann@corp.example", employeeId: 42, department: "R&D", manager: "Zed", costCenter: "CC1" }]));
  process.env.DIRECTORY_FILE = directory;
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  sfn = new SFNClient({});
});

afterAll(async () => {
  delete process.env.DIRECTORY_FILE;
  await embedded.stop();
});

beforeEach(() => {
  blockNetwork();
  nockActiveMembers();
});
afterEach(() => nock.cleanAll());

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
    deliveryId: `d-${login}`,
    receivedAt: "2026-11-20T10:00:00.000Z",
    ...over,
  };
}

async function run(name: string, inp: OnboardingInput): Promise<{ status?: string; error?: string; cause?: string; arn: string }> {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN, name, input: JSON.stringify(inp) }),
  );
  await embedded.idle();
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return { status: d.status, error: d.error, cause: d.cause, arn: executionArn! };
}

test("enriches from GitHub, SAML and the directory, stores the record and notifies success", async () => {
  nockInstallationToken(1);
  nock(GH)
    .get("/users/ann")
    .reply(200, { login: "ann", id: 1, name: "Ann Lee", company: "@acme", email: null })
    .post("/graphql")
    .reply(200, {
      data: {
        organization: {
          samlIdentityProvider: { externalIdentities: { nodes: [{ samlIdentity: { nameId: "ann@corp.example", username: "ann", emails: [] } }] } },
        },
      },
    });
  const r = await run("it-ann", input("ann", 1));
  expect(r.status).toBe("SUCCEEDED");
  const [ann] = (await listMembers("acme")).filter((m) => m.login === "ann");
  expect(ann).toMatchObject({
    login: "ann",
    name: "Ann Lee",
    email: "ann@corp.example",
    employeeId: "42",
    department: "R&D",
    manager: "Zed",
    samlNameId: "ann@corp.example",
    directory: { costCenter: "CC1" },
    enrichment: "found",
    teams: [{ slug: "engineering", status: "added" }],
    joinedAt: "2026-11-20T10:00:00.000Z",
  });
  const msg = embedded.outbox.read().find((m) => m.subject === "Member onboarded: ann");
  expect(msg?.message).toContain("Organisation: acme");
  expect(msg?.message).toContain("employee id: 42");
});

test("a member the directory does not know is stored as not_found, not failed", async () => {
  nockInstallationToken(1);
  nock(GH)
    .get("/users/bo")
    .reply(200, { login: "bo", id: 2, name: null, email: "bo@home.example" })
    .post("/graphql")
    .reply(200, { data: { organization: { samlIdentityProvider: null } } });
  const r = await run("it-bo", input("bo", 2));
  expect(r.status).toBe("SUCCEEDED");
  const [bo] = (await listMembers("acme")).filter((m) => m.login === "bo");
  expect(bo).toMatchObject({ enrichment: "not_found", email: "bo@home.example" });
  expect(bo?.employeeId).toBeUndefined();
});

test("GitHub failing: retried with back-off, then the failure is notified with its cause and the execution fails", async () => {
  nockInstallationToken(10);
  nock(GH).persist().get("/users/cy").reply(503).post("/graphql").reply(503);
  const r = await run("it-cy", input("cy", 3));
  expect(r.status).toBe("FAILED");
  expect(r.error).toBe("TransientError");
  const steps = stepsFromHistory(await executionHistory(sfn, r.arn));
  // It stops in Enrich, where a redrive would resume it; the status change is notified.
  expect(steps.map((s) => s.state)).toEqual(["Enrich"]);
  expect(steps[0]).toMatchObject({ outcome: "failed", retries: 4 });
  const msg = embedded.outbox.read().find((m) => m.message.includes("it-cy"));
  expect(msg?.message).toContain("ended FAILED");
  expect(msg?.message).toContain("TransientError");
  expect(msg?.message).toContain("HTTP 503");
  expect((await listMembers("acme")).some((m) => m.login === "cy")).toBe(false);
});

test("the same execution name cannot start twice", async () => {
  nockInstallationToken(1);
  nock(GH)
    .get("/users/dee")
    .reply(200, { login: "dee", id: 4 })
    .post("/graphql")
    .reply(200, { data: { organization: null } });
  await run("it-dee", input("dee", 4));
  await expect(
    sfn.send(
      new StartExecutionCommand({
        stateMachineArn: process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN,
        name: "it-dee",
        input: JSON.stringify(input("dee", 4, { receivedAt: "later" })),
      }),
    ),
  ).rejects.toBeInstanceOf(ExecutionAlreadyExists);
  expect((await listMembers("acme")).filter((m) => m.login === "dee")).toHaveLength(1);
});

test("invalid task input is refused by the task, not retried", async () => {
  const bad = { ...input("eve", 5), installationId: -1 };
  const r = await run("it-eve", bad);
  expect(r.status).toBe("FAILED");
  expect(r.error).toBe("InvalidInputError");
  expect(r.cause).toContain("installationId");
});
