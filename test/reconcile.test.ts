import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import nock from "nock";
import { main, reconcile, reconcileByCostCenter, type UsageItem } from "../app/cli/reconcile.js";
import { loadRateTable, priceAttempt } from "../app/pricing/price.js";
import { buildRunRecord } from "../app/records/run.js";
import { attemptUpdates } from "../app/records/totals.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { tableName } from "../app/store/table.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { jobsFor, type JobSpec } from "./fixtures/jobs.js";

let embedded: Embedded;
const USAGE = "/organizations/acme/settings/billing/usage";

async function record(repo: string, runId: number, updatedAt: string, specs: JobSpec[]): Promise<void> {
  const input = {
    installationId: 1,
    org: "acme",
    repository: { fullName: `acme/${repo}`, id: runId, visibility: "private" as const },
    run: {
      id: runId,
      attempt: 1,
      name: "CI",
      path: "ci.yml",
      event: "push",
      headBranch: "main",
      actor: "octocat",
      conclusion: "success",
      runStartedAt: null,
      updatedAt,
    },
  };
  const priced = priceAttempt(jobsFor(runId, 1, updatedAt, specs), { visibility: "private", hostedRunners: [], rates: loadRateTable() });
  for (const u of attemptUpdates(buildRunRecord(input, priced, "github", new Date())).filter((a) => a.kind === "repository")) {
    await dynamoClient().send(
      new UpdateItemCommand({
        TableName: tableName(),
        Key: u.key,
        UpdateExpression: u.updateExpression,
        ExpressionAttributeNames: u.names,
        ExpressionAttributeValues: u.firstRun,
      }),
    );
  }
}

function item(repositoryName: string, sku: string, quantity: number, grossAmount: number, product = "actions", discountAmount = grossAmount): UsageItem {
  return {
    date: "2026-01-10T00:00:00Z",
    product,
    sku,
    quantity,
    unitType: "Minutes",
    pricePerUnit: grossAmount / quantity,
    grossAmount,
    discountAmount,
    netAmount: grossAmount - discountAmount,
    repositoryName,
  };
}

async function run(argv: string[], env: NodeJS.ProcessEnv = { GITHUB_TOKEN: "ghp_test" }): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } }, env);
  return { code, out, err };
}

beforeAll(async () => {
  delete process.env.GHE_HOST;
  nock.disableNetConnect();
  nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  embedded = await startEmbedded({ retryIntervalMs: 0 });
  await record("widgets", 1, "2026-01-10T10:00:00Z", [{ labels: ["ubuntu-latest"], seconds: 1200 }]); // 20 min, $0.12
  await record("widgets", 2, "2026-01-11T10:00:00Z", [{ labels: ["windows-latest"], seconds: 600 }]); // 10 min, $0.10
  await record("gadgets", 3, "2026-01-12T10:00:00Z", [{ labels: ["macos-14"], seconds: 120 }]); // 2 min, $0.124
  await record("gadgets", 4, "2025-12-12T10:00:00Z", [{ labels: ["macos-14"], seconds: 120 }]); // another month
});

afterEach(() => nock.cleanAll());

afterAll(async () => {
  await embedded.stop();
  nock.enableNetConnect();
});

describe("reconcile", () => {
  it("puts GitHub's gross beside the app's per repository and SKU, with the difference", async () => {
    const scope = nock("https://api.github.com", { reqheaders: { authorization: "token ghp_test" } })
      .get(USAGE)
      .query({ year: "2026", month: "1" })
      .reply(200, {
        usageItems: [
          item("widgets", "Actions Linux", 12.5, 0.075),
          item("widgets", "actions_linux", 7.5, 0.045),
          item("acme/widgets", "Actions Windows", 10, 0.1),
          item("gadgets", "actions_macos", 3, 0.186),
          item("gadgets", "Packages storage", 1, 0.5, "packages"),
          item("docs", "linux_4_core", 5, 0.06),
        ],
      });
    const { code, out, err } = await run(["--org", "acme", "--month", "2026-01", "--format", "json"]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(scope.isDone()).toBe(true);
    expect(JSON.parse(out)).toEqual([
      {
        repository: "acme/docs",
        sku: "linux_4_core",
        githubMinutes: 5,
        appMinutes: 0,
        githubGrossUsd: 0.06,
        githubDiscountUsd: 0.06,
        githubNetUsd: 0,
        appUsd: 0,
        differenceUsd: -0.06,
        basis: "gross",
        appInternalUsd: 0,
        note: "no run recorded by the app",
      },
      {
        repository: "acme/gadgets",
        sku: "macos",
        githubMinutes: 3,
        appMinutes: 2,
        githubGrossUsd: 0.186,
        githubDiscountUsd: 0.186,
        githubNetUsd: 0,
        appUsd: 0.124,
        differenceUsd: -0.062,
        basis: "gross",
        appInternalUsd: 0,
        note: "differs",
      },
      {
        repository: "acme/widgets",
        sku: "linux_2_core",
        githubMinutes: 20,
        appMinutes: 20,
        githubGrossUsd: 0.12,
        githubDiscountUsd: 0.12,
        githubNetUsd: 0,
        appUsd: 0.12,
        differenceUsd: 0,
        basis: "gross",
        appInternalUsd: 0,
        note: "matches; discount applied per account (all of it)",
      },
      {
        repository: "acme/widgets",
        sku: "windows_2_core",
        githubMinutes: 10,
        appMinutes: 10,
        githubGrossUsd: 0.1,
        githubDiscountUsd: 0.1,
        githubNetUsd: 0,
        appUsd: 0.1,
        differenceUsd: 0,
        basis: "gross",
        appInternalUsd: 0,
        note: "matches; discount applied per account (all of it)",
      },
    ]);
  });

  it("table output ends with a one-line summary", async () => {
    nock("https://api.github.com")
      .get(USAGE)
      .query(true)
      .reply(200, { usageItems: [item("widgets", "Actions Linux", 20, 0.12, "actions", 0.05)] });
    const { code, out } = await run(["--org", "acme", "--month", "2026-01"]);
    expect(code).toBe(0);
    expect(out).toMatch(/acme\/widgets.*linux_2_core.*0\.12.*0\.05.*0\.07.*0\.12.*0\.00/);
    expect(out.trimEnd().split("\n").at(-1)).toBe(
      "GitHub gross $0.12 (discount $0.05, net $0.07), app $0.34, difference $0.22; 2 of 3 rows differ by a cent or more.",
    );
  });

  it("honours GHE_HOST / GHE_PROTOCOL", async () => {
    const scope = nock("http://ghe.local").get(`/api/v3${USAGE}`).query(true).reply(200, { usageItems: [] });
    const { code, out } = await run(["--org", "acme", "--month", "2026-01", "--format", "csv"], {
      GITHUB_TOKEN: "t",
      GHE_HOST: "ghe.local",
      GHE_PROTOCOL: "http",
    });
    expect(code).toBe(0);
    expect(scope.isDone()).toBe(true);
    expect(out.split("\r\n")[0]).toBe(
      "repository,sku,githubMinutes,appMinutes,githubGrossUsd,githubDiscountUsd,githubNetUsd,appUsd,differenceUsd,basis,appInternalUsd,note",
    );
  });

  it("without GITHUB_TOKEN: says which token is needed, exit 2", async () => {
    const { code, err } = await run(["--org", "acme", "--month", "2026-01"], {});
    expect(code).toBe(2);
    expect(err).toMatch(/^reconcile: GITHUB_TOKEN is not set; .*billing manager.*Administration: read.*admin:org/);
    expect(err.trimEnd().split("\n")).toHaveLength(1);
  });

  it.each([401, 403, 404])("GitHub answering %i: says a token with billing access is needed, exit 2", async (status) => {
    nock("https://api.github.com").get(USAGE).query(true).reply(status, { message: "Must have admin rights" });
    const { code, err, out } = await run(["--org", "acme", "--month", "2026-01"]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toMatch(new RegExp(`^reconcile: GitHub answered HTTP ${status} for the billing usage of acme: reconcile needs a token with billing access`));
    expect(err).not.toMatch(/\n\s+at /);
  });

  it("a GitHub outage is exit 1 with one line", async () => {
    nock("https://api.github.com").get(USAGE).query(true).reply(503, "unavailable");
    const { code, err } = await run(["--org", "acme", "--month", "2026-01"]);
    expect(code).toBe(1);
    expect(err).toBe("reconcile: GitHub answered HTTP 503 for the billing usage of acme; try again later\n");
  });

  it("GitHub unreachable: names the host and the cause, not HTTP 500", async () => {
    nock("https://api.github.com").get(USAGE).query(true).replyWithError({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND api.github.com" });
    const { code, err } = await run(["--org", "acme", "--month", "2026-01"]);
    expect(code).toBe(1);
    expect(err).toBe("reconcile: cannot reach GitHub at api.github.com: ENOTFOUND for the billing usage of acme; try again later\n");
  });

  it("GitHub hanging: gives up after the call timeout with one line", async () => {
    process.env.OUTBOUND_TIMEOUT_MS = "100";
    try {
      nock("https://api.github.com").get(USAGE).query(true).delay(5_000).reply(200, { usageItems: [] });
      const { code, err } = await run(["--org", "acme", "--month", "2026-01"]);
      expect(code).toBe(1);
      expect(err).toBe("reconcile: no answer from GitHub at api.github.com within 100 ms for the billing usage of acme; try again later\n");
    } finally {
      delete process.env.OUTBOUND_TIMEOUT_MS;
      nock.abortPendingRequests();
    }
  });

  it("bad flags: exit 2", async () => {
    expect((await run(["--org", "acme"])).code).toBe(2);
    expect((await run(["--org", "acme", "--month", "January"])).code).toBe(2);
  });
});

describe("reconcile (pure join)", () => {
  it("sums fractional quantities in integer micro-dollars, lists storage apart and ignores other products", () => {
    const rows = reconcile(
      "acme",
      [
        item("a", "actions_linux", 0.1, 0.0000006),
        item("a", "actions_linux", 0.2, 0.0000006),
        { ...item("a", "actions_storage", 1, 1), unitType: "GigabyteHours" },
        item("a", "copilot", 1, 1, "copilot"),
      ],
      [],
    );
    expect(rows).toEqual([
      {
        repository: "acme/a",
        sku: "linux_2_core",
        githubMinutes: 0.3,
        appMinutes: 0,
        githubMicros: 2,
        githubDiscountMicros: 2,
        githubNetMicros: 0,
        appMicros: 0,
        differenceMicros: -2,
        kind: "minutes",
        basis: "gross",
        appInternalMicros: 0,
        note: "no run recorded by the app",
      },
      {
        repository: "acme/a",
        sku: "actions_storage",
        githubMinutes: 1,
        appMinutes: 0,
        githubMicros: 1_000_000,
        githubDiscountMicros: 1_000_000,
        githubNetMicros: 0,
        appMicros: 0,
        differenceMicros: 0,
        kind: "storage",
        basis: "none",
        appInternalMicros: 0,
        note: "storage: not tracked by the app",
      },
    ]);
  });

  it("--by cost-center: each repository's usage under the cost centre its attempts were charged to, else today's rules", () => {
    const cell = (repository: string, costCenter: string, micros: number) => ({
      repository,
      costCenter,
      runs: 1,
      attempts: 1,
      jobs: 1,
      minutes: 10,
      costMicros: micros,
      unknownMinutes: 0,
      bySku: { linux_2_core: { minutes: 10, costMicros: micros } },
    });
    const settings = { costCenterProperty: "cost-center", costCenters: [{ name: "docs-team", repos: ["acme/docs*"] }], budgets: [] };
    const rows = reconcileByCostCenter(
      "acme",
      [
        item("widgets", "actions_linux", 10, 0.06, "actions", 0.01),
        item("api", "actions_linux", 10, 0.06, "actions", 0),
        item("docs", "actions_linux", 5, 0.03, "actions", 0),
        { ...item("x", "actions_linux", 1, 0.006), repositoryName: undefined },
      ],
      [cell("acme/widgets", "web", 60_000), cell("acme/api", "web", 60_000), cell("acme/api", "old", 6_000)],
      settings,
    );
    expect(rows.map((r) => [r.repository, r.sku, r.githubMicros, r.githubDiscountMicros, r.githubNetMicros, r.appMicros, r.differenceMicros])).toEqual([
      ["docs-team", "linux_2_core", 30_000, 0, 30_000, 0, -30_000],
      ["old", "linux_2_core", 0, 0, 0, 6_000, 6_000],
      ["unallocated", "linux_2_core", 6_000, 6_000, 0, 0, -6_000],
      ["web", "linux_2_core", 120_000, 10_000, 110_000, 120_000, 0],
    ]);
  });
});
