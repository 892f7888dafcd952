import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import nock from "nock";
import { clearChargebackCache } from "../app/config/chargeback.js";
import type { RunCostInput } from "../app/records/run-input.js";
import { clearHostedRunnerCache, HOSTED_RUNNER_TTL_MS, hostedRunnersFor } from "../app/tasks/hosted-runners.js";
import type { RunRecord } from "../app/records/run.js";
import { handler, type PriceRunOutput } from "../app/tasks/price-run.lambda.js";
import { installationOctokit, SCOPES } from "../app/github/octokit.js";
import { closeDynamoClient } from "../app/store/dynamo.js";
import { API, nockChargebackConfig, nockInstallationTokens, nockNoChargebackConfig, useTestApp } from "./fixtures/jobs-github.js";
import { handPrice, INSTALLATION_ID, jobsFor, jobsPage, matrixSpecs, ORG } from "./fixtures/jobs.js";

/** The run record the transaction would write: the first item of either variant. */
function recordOf(out: PriceRunOutput): RunRecord {
  const put = out.recording.firstOfRun.items[0]?.Put;
  if (!put?.Item) throw new Error("the recording does not start with the run record");
  return unmarshall(put.Item) as RunRecord;
}

function input(runId: number, attempt = 1, visibility: RunCostInput["repository"]["visibility"] = "private"): RunCostInput {
  return {
    installationId: INSTALLATION_ID,
    org: ORG,
    repository: { fullName: `${ORG}/Widgets`, id: 99, visibility },
    run: {
      id: runId,
      attempt,
      name: "CI",
      path: ".github/workflows/ci.yml",
      event: "push",
      headBranch: "main",
      actor: "octocat",
      conclusion: "success",
      runStartedAt: "2026-01-15T09:00:00Z",
      updatedAt: "2026-01-15T10:00:00Z",
    },
  };
}

const jobsPath = (runId: number, attempt = 1): string => `/repos/${ORG}/Widgets/actions/runs/${runId}/attempts/${attempt}/jobs`;

function nockJobs(runId: number, jobs: unknown[], attempt = 1): nock.Scope {
  return nock(API).get(jobsPath(runId, attempt)).query({ per_page: "100" }).reply(200, jobsPage(jobs));
}

const hostedRunner = (name: string, platform: string, cores: number, id = `${cores}-core`) => ({
  id: 1,
  name,
  platform,
  status: "Ready",
  public_ip_enabled: false,
  image_details: null,
  machine_size_details: { id, cpu_cores: cores, memory_gb: 16, storage_gb: 150 },
});

const savedEnv = { ...process.env };
/** The table, for the task's read of the remembered settings: it answers that nothing is remembered. */
let table: Server;
beforeAll(async () => {
  useTestApp();
  // A loopback stand-in rather than a nocked AWS host: nock instances of other suites in the same jest process
  // still intercept, and let only loopback through. With credentials at hand (as a Lambda has them) the SDK never
  // looks for instance metadata.
  table = createServer((_req, res) => res.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end("{}"));
  await new Promise<void>((r) => table.listen(0, "127.0.0.1", r));
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_REGION: "us-east-1",
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${(table.address() as AddressInfo).port}`,
  });
  nock.disableNetConnect();
  nock.enableNetConnect(/^127\.0\.0\.1:\d+$/);
});

beforeEach(() => {
  clearHostedRunnerCache();
  clearChargebackCache();
  nockInstallationTokens();
});

afterEach(() => {
  nock.cleanAll();
});

afterAll(async () => {
  nock.enableNetConnect();
  process.env = { ...savedEnv };
  closeDynamoClient();
  await new Promise((r) => table.close(r));
});

describe("price-run: listing the jobs of exactly one attempt", () => {
  it("follows pagination: a 150-job matrix over 2 pages is priced in full", async () => {
    nockNoChargebackConfig(ORG);
    const jobs = jobsFor(501, 1, "2026-01-15T10:00:00Z", matrixSpecs(150));
    const next = `${API}${jobsPath(501)}?per_page=100&page=2`;
    const page1 = nock(API)
      .get(jobsPath(501))
      .query({ per_page: "100" })
      .reply(200, { total_count: 150, jobs: jobs.slice(0, 100) }, { link: `<${next}>; rel="next", <${next}>; rel="last"` });
    const page2 = nock(API)
      .get(jobsPath(501))
      .query({ per_page: "100", page: "2" })
      .reply(200, { total_count: 150, jobs: jobs.slice(100) });

    const out = await handler(input(501));
    expect(page1.isDone() && page2.isDone()).toBe(true);
    const record = recordOf(out);
    const expected = handPrice(jobs);
    expect(record.jobs).toBe(150);
    expect(record.minutes).toBe(expected.minutes);
    expect(record.costMicros).toBe(expected.micros);
  });

  it("asks for the attempt's own jobs (attempts/{n}), not the latest attempt's", async () => {
    nockNoChargebackConfig(ORG);
    const scope = nockJobs(502, jobsFor(502, 2, "2026-01-15T10:00:00Z", [{ labels: ["ubuntu-latest"], seconds: 61 }]), 2);
    const out = await handler(input(502, 2));
    expect(scope.isDone()).toBe(true);
    expect(recordOf(out)).toMatchObject({ attempt: 2, minutes: 2, costMicros: 12000, sk: "RUN#2026-01-15T10:00:00Z#502#2" });
  });
});

describe("price-run: larger runners via the hosted-runners API", () => {
  it("standard labels only: the hosted-runners endpoint is not called", async () => {
    nockNoChargebackConfig(ORG);
    nockJobs(
      510,
      jobsFor(510, 1, "2026-01-15T10:00:00Z", [
        { labels: ["ubuntu-latest"], seconds: 30 },
        { labels: ["self-hosted", "linux"], seconds: 600 },
      ]),
    );
    const runners = nock(API).get(`/orgs/${ORG}/actions/hosted-runners`).query(true).reply(200, { total_count: 0, runners: [] });
    await handler(input(510));
    expect(runners.isDone()).toBe(false);
  });

  it("resolves an admin-named runner by platform and cores, and caches the list per org (second run: no request)", async () => {
    nockNoChargebackConfig(ORG);
    const specs = [
      { labels: ["big-linux"], seconds: 600 },
      { labels: ["arm-win"], seconds: 120 },
    ];
    nockJobs(511, jobsFor(511, 1, "2026-01-15T10:00:00Z", specs));
    nockJobs(512, jobsFor(512, 1, "2026-01-15T10:00:00Z", specs));
    const runners = nock(API)
      .get(`/orgs/${ORG}/actions/hosted-runners`)
      .query({ per_page: "100" })
      .once()
      .reply(200, { total_count: 2, runners: [hostedRunner("big-linux", "linux-x64", 8), hostedRunner("arm-win", "win-arm64", 4)] });

    const first = recordOf(await handler(input(511)));
    expect(runners.isDone()).toBe(true);
    // A second lookup would find no interceptor and fail (net connect is disabled).
    const second = recordOf(await handler(input(512)));
    // 10 min at linux_8_core 0.022 + 2 min at windows_4_core_arm 0.014 (2026)
    expect(first.bySku).toEqual({
      linux_8_core: { jobs: 1, minutes: 10, costMicros: 220000 },
      windows_4_core_arm: { jobs: 1, minutes: 2, costMicros: 28000 },
    });
    expect(second.costMicros).toBe(first.costMicros);
    expect(first.unknownMinutes).toBe(0);
  });

  it("the cache expires after its TTL", async () => {
    const octokit = await installationOctokit(INSTALLATION_ID, SCOPES.hostedRunners);
    const scope = nock(API)
      .get(`/orgs/${ORG}/actions/hosted-runners`)
      .query(true)
      .twice()
      .reply(200, { total_count: 1, runners: [hostedRunner("gpu-box", "linux-x64", 4, "4-core-gpu")] });
    const t0 = 1_000_000;
    expect(await hostedRunnersFor(octokit, ORG, t0)).toEqual([{ name: "gpu-box", platform: "linux-x64", cpuCores: 4, gpu: true }]);
    await hostedRunnersFor(octokit, ORG, t0 + HOSTED_RUNNER_TTL_MS - 1);
    expect(scope.pendingMocks()).toHaveLength(1);
    await hostedRunnersFor(octokit, ORG, t0 + HOSTED_RUNNER_TTL_MS);
    expect(scope.isDone()).toBe(true);
  });

  it.each([404, 403])("HTTP %i from hosted-runners (user account, no permission): the job is flagged unknown, never Linux", async (status) => {
    nockNoChargebackConfig(ORG);
    nockJobs(
      513,
      jobsFor(513, 1, "2026-01-15T10:00:00Z", [
        { labels: ["big-linux"], seconds: 300 },
        { labels: ["ubuntu-latest"], seconds: 60 },
      ]),
    );
    nock(API).get(`/orgs/${ORG}/actions/hosted-runners`).query(true).reply(status, { message: "nope" });
    const out = await handler(input(513));
    const record = recordOf(out);
    expect(record.unknownMinutes).toBe(5);
    expect(record.unknownLabels).toEqual(["big-linux"]);
    expect(record.costMicros).toBe(6000);
    expect(record.bySku.linux_2_core).toEqual({ jobs: 1, minutes: 1, costMicros: 6000 });
    expect(record.flaggedJobs).toEqual([expect.objectContaining({ sku: "unknown", minutes: 5, reason: "unknown label" })]);
    expect(out.unknownMinutes).toBe(5);
    expect(out.summary).toContain("5 min on unpriced runners (big-linux)");
  });

  it("a 5xx from hosted-runners is a TransientError (the machine retries it)", async () => {
    nockNoChargebackConfig(ORG);
    nockJobs(514, jobsFor(514, 1, "2026-01-15T10:00:00Z", [{ labels: ["big-linux"], seconds: 300 }]));
    nock(API).get(`/orgs/${ORG}/actions/hosted-runners`).query(true).reply(502, "bad gateway");
    await expect(handler(input(514))).rejects.toMatchObject({ name: "TransientError" });
  });
});

describe("price-run: output stays small", () => {
  it("600 unknown-label jobs: at most 20 flagged jobs returned and the output is far under 256 KiB", async () => {
    nockNoChargebackConfig(ORG);
    const specs = Array.from({ length: 600 }, (_, i) => ({ labels: [`mystery-${i % 40}`, "x".repeat(50)], seconds: 90 }));
    const jobs = jobsFor(520, 1, "2026-01-15T10:00:00Z", specs);
    const pages = [jobs.slice(0, 100), jobs.slice(100, 200), jobs.slice(200, 300), jobs.slice(300, 400), jobs.slice(400, 500), jobs.slice(500)];
    pages.forEach((p, i) => {
      const next = `${API}${jobsPath(520)}?per_page=100&page=${i + 2}`;
      nock(API)
        .get(jobsPath(520))
        .query(i === 0 ? { per_page: "100" } : { per_page: "100", page: String(i + 1) })
        .reply(200, { total_count: 600, jobs: p }, i < pages.length - 1 ? { link: `<${next}>; rel="next"` } : {});
    });
    nock(API).get(`/orgs/${ORG}/actions/hosted-runners`).query(true).reply(200, { total_count: 0, runners: [] });
    const out: PriceRunOutput = await handler(input(520));
    const record = recordOf(out);
    expect(record.jobs).toBe(600);
    expect(record.flaggedJobs).toHaveLength(20);
    expect(record.flaggedJobsOmitted).toBe(580);
    expect(record.unknownMinutes).toBe(1200);
    // The record's job list (at most 24 KiB, app/records/run-jobs.ts) travels in both recording variants.
    expect(Buffer.byteLength(JSON.stringify(out))).toBeLessThan(96 * 1024);
  });
});

describe("price-run: the org's rate override (.github/chargeback.yml)", () => {
  it("applies the override's rates from its date", async () => {
    nockChargebackConfig(ORG, "rates:\n  actions_linux: 0.005\nfrom: 2026-01-10\n");
    nockJobs(530, jobsFor(530, 1, "2026-01-15T10:00:00Z", [{ labels: ["ubuntu-latest"], seconds: 600 }]));
    const record = recordOf(await handler(input(530)));
    expect(record.costMicros).toBe(50000);
    expect(record.rates).toBe(`${ORG}/.github:.github/chargeback.yml`);
  });

  it("an invalid file fails with `file: field: problem` as a ConfigurationError (not retried)", async () => {
    nockChargebackConfig(ORG, "rates:\n  actions_linux: cheap\n");
    nockJobs(531, jobsFor(531, 1, "2026-01-15T10:00:00Z", [{ labels: ["ubuntu-latest"], seconds: 600 }]));
    await expect(handler(input(531))).rejects.toMatchObject({
      name: "ConfigurationError",
      message: `${ORG}/.github:.github/chargeback.yml: rates.actions_linux: must be a number: USD per minute, e.g. 0.006`,
    });
  });
});

describe("price-run: billing rules end to end through the task", () => {
  it("public repository: standard runners free, larger runners billed", async () => {
    nockNoChargebackConfig(ORG);
    nockJobs(
      540,
      jobsFor(540, 1, "2026-01-15T10:00:00Z", [
        { labels: ["ubuntu-latest"], seconds: 600 },
        { labels: ["macos-14-xlarge"], seconds: 60 },
      ]),
    );
    const record = recordOf(await handler(input(540, 1, "public")));
    expect(record.minutes).toBe(11);
    expect(record.costMicros).toBe(102000);
  });

  it("internal repository bills like private", async () => {
    nockNoChargebackConfig(ORG);
    nockJobs(541, jobsFor(541, 1, "2026-01-15T10:00:00Z", [{ labels: ["ubuntu-latest"], seconds: 600 }]));
    expect(recordOf(await handler(input(541, 1, "internal"))).costMicros).toBe(60000);
  });

  it("queue time is not billed and a skipped job costs 0", async () => {
    nockNoChargebackConfig(ORG);
    nockJobs(
      542,
      jobsFor(542, 1, "2026-01-15T10:00:00Z", [
        { labels: ["ubuntu-latest"], seconds: 59, queued: 3600 },
        { labels: ["ubuntu-latest"], seconds: 0, started: false },
      ]),
    );
    const record = recordOf(await handler(input(542)));
    expect(record).toMatchObject({ jobs: 2, minutes: 1, costMicros: 6000 });
  });
});

describe("price-run: input and GitHub failures", () => {
  it("rejects an input without a run id, naming the field", async () => {
    const bad = input(1) as unknown as { run: Record<string, unknown> };
    delete bad.run.id;
    await expect(handler(bad)).rejects.toMatchObject({ name: "InvalidInputError", message: expect.stringContaining("run.id") });
  });

  it("a 500 listing jobs is a TransientError; a 404 is not retried", async () => {
    nockNoChargebackConfig(ORG);
    nock(API).get(jobsPath(550)).query(true).reply(500, "oops");
    await expect(handler(input(550))).rejects.toMatchObject({ name: "TransientError" });
    nock(API).get(jobsPath(551)).query(true).reply(404, { message: "Not Found" });
    await expect(handler(input(551))).rejects.toMatchObject({ name: "UpstreamError" });
  });

  it("a rate-limited 403 is a TransientError, not a permissions problem", async () => {
    nockNoChargebackConfig(ORG);
    nock(API).get(jobsPath(552)).query(true).reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0" });
    await expect(handler(input(552))).rejects.toMatchObject({ name: "TransientError" });
  });
});
