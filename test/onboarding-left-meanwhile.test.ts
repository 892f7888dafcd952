import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from "@jest/globals";
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import nock from "nock";
import { offboardingInput } from "../app/records/offboarding-input.js";
import type { OnboardingInput } from "../app/records/onboarding-input.js";
import { listMembers } from "../app/store/members.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { blockNetwork, nockActiveMembers, nockInstallationToken, setAppEnv } from "./helpers/app-env.js";

/**
 * A member_removed that lands while member-onboarding enriches the member (between Enrich and Store), for real on
 * the embedded engine: the offboarding execution runs to its end while the onboarding's Enrich task waits on GitHub.
 * Store must not overwrite the recorded leave, and nobody is told the leaver joined.
 */
let embedded: Embedded;
let sfn: SFNClient;
const GH = "https://api.github.com";

beforeAll(async () => {
  setAppEnv();
  const dir = mkdtempSync(join(tmpdir(), "left-meanwhile-"));
  process.env.DIRECTORY_FILE = join(dir, "people.json");
  writeFileSync(process.env.DIRECTORY_FILE, "[]");
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
  nockInstallationToken(1);
});
afterEach(() => nock.cleanAll());

function joinInput(receivedAt: string, deliveryId: string): OnboardingInput {
  return {
    org: "acme",
    orgId: 1,
    installationId: 77,
    member: { login: "cy", id: 3, type: "User", role: "member" },
    teams: [],
    teamProblems: [],
    dryRun: false,
    configSource: "acme/.github:.github/onboarding.yml",
    deliveryId,
    receivedAt,
  };
}

async function start(arn: string | undefined, name: string, input: object): Promise<string> {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: arn, name, input: JSON.stringify(input) }));
  return executionArn!;
}

/** Polls without embedded.idle(): the onboarding execution is still running (it waits on this very call). */
async function untilDone(executionArn: string): Promise<string | undefined> {
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== "RUNNING") return d.status;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function profile(): object {
  return { login: "cy", id: 3, name: "Cy", email: null };
}

test("a leave recorded between Enrich and Store is not overwritten, and no join is notified", async () => {
  // An earlier join, stored and current.
  nock(GH)
    .get("/users/cy")
    .reply(200, profile())
    .post("/graphql")
    .reply(200, { data: { organization: { samlIdentityProvider: null } } });
  const first = await start(process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN, "join-cy-1", joinInput("2026-11-01T10:00:00.000Z", "d-join-1"));
  await embedded.idle();
  expect(await untilDone(first)).toBe("SUCCEEDED");
  const notices = embedded.outbox.read().length;

  // The join delivered again (e.g. redelivered): while its Enrich task waits on GitHub, the member leaves.
  let offboarding: string | undefined;
  nock(GH)
    .get("/users/cy")
    .reply(200, (_uri, _body, callback) => {
      void (async () => {
        offboarding = await start(
          process.env.MEMBER_OFFBOARDING_STATE_MACHINE_ARN,
          "leave-cy",
          offboardingInput({
            org: "acme",
            orgId: 1,
            installationId: 77,
            member: { login: "cy", id: 3 },
            deliveryId: "d-leave",
            removedAt: "2026-11-02T09:00:00.000Z",
          }),
        );
        const status = await untilDone(offboarding);
        callback(status === "SUCCEEDED" ? null : new Error(`offboarding ${status}`), profile());
      })();
    })
    .post("/graphql")
    .reply(200, { data: { organization: { samlIdentityProvider: null } } });
  const again = await start(process.env.MEMBER_ONBOARDING_STATE_MACHINE_ARN, "join-cy-again", joinInput("2026-11-01T10:00:00.000Z", "d-join-1-again"));
  await embedded.idle();
  expect(offboarding).toBeDefined();
  expect(await untilDone(again)).toBe("SUCCEEDED");

  const entered = ((await sfn.send(new GetExecutionHistoryCommand({ executionArn: again, maxResults: 1000 }))).events ?? [])
    .filter((e) => e.type?.endsWith("StateEntered"))
    .map((e) => e.stateEnteredEventDetails?.name);
  expect(entered).toContain("Store");
  expect(entered).toContain("LeftMeanwhile");
  expect(entered).not.toContain("NotifySuccess");

  // The leaver's record stays a leaver's.
  const [cy] = (await listMembers("acme")).filter((m) => m.login === "cy");
  expect(cy).toMatchObject({ leftAt: "2026-11-02T09:00:00.000Z" });
  // The only new notification is the leave.
  const added = embedded.outbox.read().slice(notices);
  expect(added.map((m) => m.subject)).toEqual(["Member left: cy"]);
});
