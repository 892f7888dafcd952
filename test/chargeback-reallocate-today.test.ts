// `report --reallocate` without --config applies today's rules: the org's chargeback.yml on the default branch, read
// with the App's credentials (nocked GitHub); the remembered settings only when GitHub cannot be reached, and it says
// so; a broken file reallocates nothing. Exact to the micro-dollar on the embedded store.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { PutItemCommand, TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import nock from "nock";
import { allocate } from "../app/chargeback/allocation.js";
import { DEFAULT_SETTINGS, type ChargebackSettings } from "../app/chargeback/settings.js";
import { main as report } from "../app/cli/report.js";
import { loadRateTable, priceAttempt } from "../app/pricing/price.js";
import { recordingPlan } from "../app/records/recording.js";
import { buildRunRecord } from "../app/records/run.js";
import type { RunCostInput } from "../app/records/run-input.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { tableName } from "../app/store/table.js";
import { resetCredentialsCache } from "../app/secrets.js";
import { resetInstallationClients } from "../app/github/octokit.js";
import { settingsItem } from "../app/tasks/price-run.lambda.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { API, nockChargebackConfig, nockInstallationTokens, onlyLoopback, useTestApp } from "./fixtures/jobs-github.js";
import { jobsFor } from "./fixtures/jobs.js";

let embedded: Embedded;
const V1: ChargebackSettings = { ...DEFAULT_SETTINGS, costCenters: [{ name: "platform", repos: ["acme/infra-*"] }] };
const V2_YAML = "costCenters:\n  web:\n    repos: ['acme/infra-web']\n  platform:\n    repos: ['acme/infra-*']\n";

async function record(repo: string, runId: number, minutes: number): Promise<void> {
  const input: RunCostInput = {
    installationId: 4242,
    org: "acme",
    repository: { fullName: `acme/${repo}`, id: runId, visibility: "private" },
    run: {
      id: runId,
      attempt: 1,
      name: "CI",
      path: ".github/workflows/ci.yml",
      event: "push",
      headBranch: "main",
      actor: "a",
      conclusion: "success",
      runStartedAt: null,
      updatedAt: "2026-11-10T10:00:00Z",
    },
  };
  const priced = priceAttempt(jobsFor(runId, 1, "2026-11-10T10:00:00Z", [{ labels: ["ubuntu-latest"], seconds: minutes * 60 }]), {
    visibility: "private",
    hostedRunners: [],
    rates: loadRateTable(),
  });
  const plan = recordingPlan(buildRunRecord(input, priced, "github", new Date(), allocate(input.repository.fullName, undefined, V1)), tableName());
  await dynamoClient().send(new TransactWriteItemsCommand({ TransactItems: plan.firstOfRun.items, ClientRequestToken: plan.firstOfRun.token }));
}

class Sink {
  text = "";
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new Sink();
  const err = new Sink();
  const code = await report(argv, { out, err });
  return { code, out: out.text, err: err.text };
}

function byCostCenter(out: string): Record<string, number> {
  const json = JSON.parse(out) as { rows: Array<{ costCenter: string; costMicros: number }> };
  return Object.fromEntries(json.rows.map((r) => [r.costCenter, r.costMicros]));
}

beforeAll(async () => {
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  useTestApp();
  onlyLoopback();
  await record("infra-web", 1, 10); // 10 x 0.006
  await record("infra-db", 2, 5); // 5 x 0.006
  await record("site", 3, 2); // 2 x 0.006
  // What the last recording remembered: the old rules.
  const remembered = settingsItem("acme", V1, "acme/.github:.github/chargeback.yml", "2026-11-10T10:00:00Z");
  await dynamoClient().send(new PutItemCommand({ TableName: tableName(), Item: remembered.item }));
}, 60_000);

afterEach(() => {
  nock.cleanAll();
  resetInstallationClients();
});

afterAll(async () => {
  nock.enableNetConnect();
  await embedded?.stop();
});

describe("report --reallocate without --config", () => {
  it("when GitHub cannot be reached: the remembered (old) rules, and it says so", async () => {
    nock(API)
      .get("/orgs/acme/installation")
      .replyWithError(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
    const r = await run("--org", "acme", "--month", "2026-11", "--reallocate", "--by", "cost-center", "--format", "json");
    expect(r.code).toBe(0);
    expect(r.err).toMatch(
      /GitHub cannot be reached \(.*ECONNREFUSED.*\): applying the settings remembered from acme\/\.github:\.github\/chargeback\.yml as read at 2026-11-10T10:00:00Z/,
    );
    expect(byCostCenter(r.out)).toEqual({ platform: 90_000, unallocated: 12_000 });
  });

  it("after a merged rule change: today's chargeback.yml, read with the App's credentials, exact", async () => {
    nock(API).get("/orgs/acme/installation").reply(200, { id: 4242 });
    nockInstallationTokens();
    const file = nockChargebackConfig("acme", V2_YAML);
    const r = await run("--org", "acme", "--month", "2026-11", "--reallocate", "--by", "cost-center", "--format", "json");
    expect(r.code).toBe(0);
    expect(file.isDone()).toBe(true);
    expect(r.err).toContain("reallocate: applying acme/.github:.github/chargeback.yml on the default branch, read now");
    expect(r.err).toMatch(/reallocate: 1 run records changed cost centre/);
    expect(byCostCenter(r.out)).toEqual({ web: 60_000, platform: 30_000, unallocated: 12_000 });
  });

  it("a broken chargeback.yml on the default branch: one line, exit 2, nothing reallocated", async () => {
    nock(API).get("/orgs/acme/installation").reply(200, { id: 4242 });
    nockInstallationTokens();
    nockChargebackConfig("acme", "costCenters:\n  web: [oops\n");
    const r = await run("--org", "acme", "--month", "2026-11", "--reallocate", "--by", "cost-center", "--format", "json");
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err.trim().split("\n")).toHaveLength(1);
    expect(r.err).toContain("nothing reallocated");
    // The previous reallocation stands.
    expect(byCostCenter((await run("--org", "acme", "--month", "2026-11", "--by", "cost-center", "--format", "json")).out)).toEqual({
      web: 60_000,
      platform: 30_000,
      unallocated: 12_000,
    });
  });

  it("without the App's credentials: the remembered rules, and it says why", async () => {
    const saved = process.env.APP_ID;
    delete process.env.APP_ID;
    resetCredentialsCache();
    try {
      const r = await run("--org", "acme", "--month", "2026-11", "--reallocate", "--by", "cost-center", "--format", "json");
      expect(r.code).toBe(0);
      expect(r.err).toMatch(/GitHub cannot be reached \(no App credentials to read acme\/\.github .*\): applying the settings remembered from/);
      expect(byCostCenter(r.out)).toEqual({ platform: 90_000, unallocated: 12_000 });
    } finally {
      process.env.APP_ID = saved;
      resetCredentialsCache();
    }
  });

  it("the App not installed on the org is the operator's to fix: exit 2", async () => {
    nock(API).get("/orgs/acme/installation").reply(404, { message: "Not Found" });
    const r = await run("--org", "acme", "--reallocate");
    expect(r.code).toBe(2);
    expect(r.err).toContain("the App is not installed on acme");
  });
});
