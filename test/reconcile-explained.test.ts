// Reconcile explains every line the way GitHub's usage report states it: billed runners on gross, public-repository,
// free-use and self-hosted usage on net (GitHub shows it as gross with an equal discount), storage listed as not
// tracked, GitHub's own cost centres, and the usage summary endpoint for the org per SKU.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { TransactWriteItemsCommand } from "@aws-sdk/client-dynamodb";
import nock from "nock";
import { main, reconcile, reconcileByCostCenter, reconcileBySku, type UsageItem } from "../app/cli/reconcile.js";
import { DEFAULT_SETTINGS } from "../app/chargeback/settings.js";
import { freeUseOf } from "../app/pricing/free-uses.js";
import { loadRateTable, priceAttempt } from "../app/pricing/price.js";
import type { Visibility } from "../app/pricing/types.js";
import { recordingPlan } from "../app/records/recording.js";
import { buildRunRecord } from "../app/records/run.js";
import type { RepoTotals } from "../app/records/totals.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { tableName } from "../app/store/table.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { jobsFor, type JobSpec } from "./fixtures/jobs.js";

const u = (repositoryName: string | undefined, sku: string, quantity: number, gross: number, discount: number, extra: Partial<UsageItem> = {}): UsageItem => ({
  date: "2026-11-10T00:00:00Z",
  product: "actions",
  sku,
  quantity,
  unitType: "Minutes",
  grossAmount: gross,
  discountAmount: discount,
  netAmount: Math.round((gross - discount) * 1e6) / 1e6,
  ...(repositoryName ? { repositoryName } : {}),
  ...extra,
});

const totals = (repository: string, bySku: Record<string, { minutes: number; costMicros: number }>): RepoTotals => ({
  repository,
  period: "2026-11",
  runs: 1,
  attempts: 1,
  jobs: 1,
  minutes: Object.values(bySku).reduce((s, t) => s + t.minutes, 0),
  costMicros: Object.values(bySku).reduce((s, t) => s + t.costMicros, 0),
  unknownMinutes: 0,
  bySku,
  unknownLabels: [],
});

describe("every line explained (pure)", () => {
  const rows = reconcile(
    "acme",
    [
      // public repository, standard runner: GitHub's gross 10 x 0.006 with an equal discount
      u("site", "actions_linux", 10, 0.06, 0.06),
      // private, billed: 20 x 0.006, of which 0.05 covered by included minutes (per account)
      u("app", "actions_linux", 20, 0.12, 0.05),
      // self-hosted fleet minutes: $0 at GitHub (any gross shown with an equal discount)
      u("app", "actions_self_hosted", 30, 0.06, 0.06),
      // storage: listed, not compared
      u("app", "actions_storage", 2.5, 0.004, 0, { unitType: "GigabyteHours" }),
      u("app", "Actions cache storage", 1, 0.002, 0, { unitType: "GigabyteHours" }),
      // the Dependabot run the app records at $0 but GitHub billed: flagged on net
      u("bots", "actions_linux", 4, 0.024, 0),
    ],
    [
      totals("acme/site", { linux_2_core: { minutes: 10, costMicros: 0 } }),
      totals("acme/app", { linux_2_core: { minutes: 20, costMicros: 120_000 }, self_hosted_group_linux_fleet: { minutes: 30, costMicros: 45_000 } }),
      totals("acme/bots", { linux_2_core: { minutes: 4, costMicros: 0 } }),
    ],
  );
  const byKey = Object.fromEntries(rows.map((r) => [`${r.repository} ${r.sku}`, r]));

  it("public repository standard minutes: compared on net, no difference, the equal discount named", () => {
    expect(byKey["acme/site linux_2_core"]).toMatchObject({
      basis: "net",
      githubMicros: 60_000,
      githubDiscountMicros: 60_000,
      githubNetMicros: 0,
      appMicros: 0,
      differenceMicros: 0,
    });
    expect(byKey["acme/site linux_2_core"]?.note).toBe("free use: GitHub's gross offset by an equal discount");
  });

  it("a billed runner: compared on gross; the included-minutes discount is GitHub's, per account", () => {
    expect(byKey["acme/app linux_2_core"]).toMatchObject({
      basis: "gross",
      githubMicros: 120_000,
      githubNetMicros: 70_000,
      appMicros: 120_000,
      differenceMicros: 0,
    });
    expect(byKey["acme/app linux_2_core"]?.note).toBe("matches; discount applied per account");
  });

  it("self-hosted: the fleet SKU meets GitHub's self-hosted line, its internal rate shown apart, net compared", () => {
    expect(byKey["acme/app self_hosted"]).toMatchObject({
      basis: "net",
      appMinutes: 30,
      githubMinutes: 30,
      appMicros: 0,
      appInternalMicros: 45_000,
      differenceMicros: 0,
    });
    expect(byKey["acme/app self_hosted"]?.note).toBe("self-hosted: $0 at GitHub; the app's fleet rate is internal");
  });

  it("storage SKUs are listed with their amounts as not tracked by the app", () => {
    expect(byKey["acme/app actions_storage"]).toMatchObject({
      kind: "storage",
      basis: "none",
      githubMicros: 4000,
      differenceMicros: 0,
      note: "storage: not tracked by the app",
    });
    expect(byKey["acme/app actions_cache_storage"]).toMatchObject({ kind: "storage", githubMicros: 2000 });
  });

  it("minutes the app thinks free but GitHub billed show the net as the difference", () => {
    expect(byKey["acme/bots linux_2_core"]).toMatchObject({
      basis: "net",
      githubNetMicros: 24_000,
      differenceMicros: -24_000,
      note: "recorded free by the app, billed by GitHub",
    });
  });
});

describe("--by cost-center with GitHub's cost_center_name", () => {
  it("GitHub's own cost centre wins over the app's allocation; lines without one fall back to it", () => {
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
    const rows = reconcileByCostCenter(
      "acme",
      [u("app", "actions_linux", 10, 0.06, 0, { costCenterName: "Platform" }), u("web", "actions_linux", 10, 0.06, 0)],
      [cell("acme/app", "Platform", 60_000), cell("acme/web", "Web", 60_000)],
      DEFAULT_SETTINGS,
    );
    expect(rows.map((r) => [r.repository, r.githubMicros, r.appMicros, r.differenceMicros])).toEqual([
      ["Platform", 60_000, 60_000, 0],
      ["Web", 60_000, 60_000, 0],
    ]);
  });
});

describe("reconcile --by sku: the usage summary endpoint", () => {
  let embedded: Embedded;
  const SUMMARY = "/organizations/acme/settings/billing/usage/summary";
  const USAGE = "/organizations/acme/settings/billing/usage";

  async function record(repo: string, runId: number, visibility: Visibility, path: string, specs: JobSpec[]): Promise<void> {
    const at = "2026-11-10T10:00:00Z";
    const priced = priceAttempt(jobsFor(runId, 1, at, specs), { visibility, hostedRunners: [], rates: loadRateTable(), freeUse: freeUseOf(path) });
    const rec = buildRunRecord(
      {
        installationId: 1,
        org: "acme",
        repository: { fullName: `acme/${repo}`, id: runId, visibility },
        run: {
          id: runId,
          attempt: 1,
          name: "CI",
          path,
          event: "push",
          headBranch: "main",
          actor: "a",
          conclusion: "success",
          runStartedAt: null,
          updatedAt: at,
        },
      },
      priced,
      "github",
      new Date(),
    );
    const plan = recordingPlan(rec, tableName());
    await dynamoClient().send(new TransactWriteItemsCommand({ TransactItems: plan.firstOfRun.items, ClientRequestToken: plan.firstOfRun.token }));
  }

  async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(argv, { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } }, { GITHUB_TOKEN: "ghp_test" });
    return { code, out, err };
  }

  beforeAll(async () => {
    delete process.env.GHE_HOST;
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
    embedded = await startEmbedded({ retryIntervalMs: 0 });
    await record("app", 1, "private", ".github/workflows/ci.yml", [{ labels: ["ubuntu-latest"], seconds: 1200 }]); // 20 x 0.006
    await record("app", 2, "private", "dynamic/dependabot/dependabot-updates", [{ labels: ["ubuntu-latest"], seconds: 300 }]); // free
    await record("site", 3, "public", ".github/workflows/ci.yml", [{ labels: ["ubuntu-latest"], seconds: 600 }]); // free
  }, 60_000);
  afterEach(() => nock.cleanAll());
  afterAll(async () => {
    await embedded?.stop();
    nock.enableNetConnect();
  });

  it("one line per SKU from GitHub's summary (gross, discount, net), against the org's month", async () => {
    const scope = nock("https://api.github.com")
      .get(SUMMARY)
      .query({ year: "2026", month: "11", product: "actions" })
      .reply(200, {
        timePeriod: { year: 2026, month: 11 },
        organization: "acme",
        usageItems: [
          {
            sku: "actions_linux",
            unitType: "minutes",
            pricePerUnit: 0.006,
            grossQuantity: 35,
            grossAmount: 0.21,
            discountQuantity: 15,
            discountAmount: 0.09,
            netQuantity: 20,
            netAmount: 0.12,
          },
          {
            sku: "actions_storage",
            unitType: "GigabyteHours",
            grossQuantity: 10,
            grossAmount: 0.02,
            discountQuantity: 10,
            discountAmount: 0.02,
            netQuantity: 0,
            netAmount: 0,
          },
        ],
      });
    const { code, out, err } = await run(["--org", "acme", "--month", "2026-11", "--by", "sku", "--format", "json"]);
    expect({ code, err }).toEqual({ code: 0, err: "" });
    expect(scope.isDone()).toBe(true);
    const rows = JSON.parse(out) as Array<Record<string, unknown>>;
    expect(rows).toEqual([
      expect.objectContaining({
        scope: "(organisation)",
        sku: "linux_2_core",
        githubMinutes: 35,
        appMinutes: 35,
        githubGrossUsd: 0.21,
        githubNetUsd: 0.12,
        appUsd: 0.12,
        basis: "gross",
        differenceUsd: -0.09,
      }),
      expect.objectContaining({ sku: "actions_storage", basis: "none", note: "storage: not tracked by the app", githubGrossUsd: 0.02 }),
    ]);
  });

  it("an org without the summary (404): sums the usage report instead and says so", async () => {
    nock("https://api.github.com").get(SUMMARY).query(true).reply(404, { message: "Not Found" });
    nock("https://api.github.com")
      .get(USAGE)
      .query({ year: "2026", month: "11" })
      .reply(200, { usageItems: [u("app", "actions_linux", 20, 0.12, 0), u("site", "actions_linux", 10, 0.06, 0.06)] });
    const { code, out, err } = await run(["--org", "acme", "--month", "2026-11", "--by", "sku", "--format", "json"]);
    expect(code).toBe(0);
    expect(err).toBe("reconcile: the usage summary is not available to this org (HTTP 404): summing the usage report instead\n");
    expect(JSON.parse(out)).toEqual([expect.objectContaining({ sku: "linux_2_core", githubMinutes: 30, githubGrossUsd: 0.18 })]);
  });

  it("the pure join keeps a month without app totals", () => {
    expect(reconcileBySku([u(undefined, "actions_linux", 1, 0.006, 0)], undefined)).toEqual([
      expect.objectContaining({ repository: "(organisation)", appMinutes: 0, githubMicros: 6000, differenceMicros: -6000 }),
    ]);
  });
});
