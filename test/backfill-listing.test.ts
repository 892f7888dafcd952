import { afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import nock from "nock";
import { ZERO_TOTALS, type ListRunsEvent, type ListRunsOutput, type ListRepositoriesOutput, type Progress } from "../app/backfill/contract.js";
import { MAX_ATTEMPTS_PER_PAGE, nextPage, rateLimitWait, splitWindow, takeRuns, type ApiRun } from "../app/backfill/runs.js";
import { runExecutionName } from "../app/dispatch/execution-name.js";
import { handler as listRepositories } from "../app/tasks/list-repositories.lambda.js";
import { handler as listRuns } from "../app/tasks/list-runs.lambda.js";
import { resetInstallationClients } from "../app/github/octokit.js";
import { API, nockInstallationTokens, onlyLoopback, useTestApp } from "./fixtures/jobs-github.js";

// The backfill's listing tasks against nocked GitHub: pagination, GitHub's 1,000-result cap, rate limits.
const REPO = { id: 11, fullName: "acme/api", visibility: "private" as const };
const WINDOW: [string, string] = ["2026-10-01T00:00:00Z", "2026-10-31T23:59:59Z"];

const apiRun = (id: number, attempts = 1): ApiRun => ({
  id,
  name: "CI",
  path: ".github/workflows/ci.yml",
  event: "push",
  head_branch: "main",
  actor: { login: "octocat" },
  conclusion: "success",
  run_attempt: attempts,
  run_started_at: "2026-10-02T10:00:00Z",
  updated_at: "2026-10-02T10:05:00Z",
});

const progress = (o: Partial<Progress["cursor"]> = {}): Progress => ({ cursor: { windows: [WINDOW], page: 1, skip: 0, ...o }, totals: ZERO_TOTALS, seq: 0 });
const event = (p: Progress): ListRunsEvent => ({ installationId: 9, repository: REPO, progress: p });

beforeAll(() => {
  onlyLoopback();
  useTestApp();
});

afterEach(() => {
  nock.cleanAll();
  resetInstallationClients();
});

describe("pure listing logic", () => {
  it("splits a window over the cap into consecutive parts covering it exactly, sized for 800 runs each", () => {
    const parts = splitWindow(WINDOW, 4_000)!;
    expect(parts).toHaveLength(5);
    expect(parts[0]![0]).toBe(WINDOW[0]);
    expect(parts.at(-1)![1]).toBe(WINDOW[1]);
    for (let i = 1; i < parts.length; i++) expect(Date.parse(parts[i]![0]) - Date.parse(parts[i - 1]![1])).toBe(1000);
    expect(splitWindow(["2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z"], 5_000)).toBeUndefined();
    expect(splitWindow(["2026-10-01T00:00:00Z", "2026-10-01T00:00:01Z"], 5_000)).toEqual([
      ["2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z"],
      ["2026-10-01T00:00:01Z", "2026-10-01T00:00:01Z"],
    ]);
  });

  it("moves to the next page while results remain under the cap, then to the next window", () => {
    const c = { windows: [WINDOW, WINDOW], page: 1, skip: 0 };
    expect(nextPage(c, 250)).toEqual({ windows: [WINDOW, WINDOW], page: 2, skip: 0 });
    expect(nextPage({ ...c, page: 3 }, 250)).toEqual({ windows: [WINDOW], page: 1, skip: 0 });
    // Beyond 1,000 results GitHub returns nothing: page 10 is the last one asked for.
    expect(nextPage({ ...c, page: 10 }, 1_500)).toEqual({ windows: [WINDOW], page: 1, skip: 0 });
  });

  it("names every attempt as the webhook does and bounds a page child's attempts", () => {
    const { facts, attempts } = takeRuns([apiRun(5, 3)], 0, "acme/api");
    expect(facts[0]).toMatchObject({ id: 5, latestAttempt: 3, earlierUpdatedAt: "2026-10-02T10:00:00Z" });
    expect(attempts).toEqual([1, 2, 3].map((n) => ({ n, name: runExecutionName("acme/api", 5, n), r: 0 })));
    const many = Array.from({ length: 100 }, (_, i) => apiRun(1000 + i, 50));
    const taken = takeRuns(many, 0, "acme/api");
    expect(taken.attempts.length).toBe(MAX_ATTEMPTS_PER_PAGE);
    expect(taken.facts.length).toBe(10);
  });

  it("waits for the rate limit's reset, or Retry-After", () => {
    const now = Date.parse("2026-10-01T00:00:00Z");
    expect(rateLimitWait({ "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(now / 1000 + 120) }, now)).toBe(121);
    expect(rateLimitWait({ "retry-after": "30" }, now)).toBe(30);
    expect(rateLimitWait({}, now)).toBe(60);
  });
});

describe("list-runs task", () => {
  it("lists a page with the completed/created filters and per_page=100, and moves to the next page", async () => {
    nockInstallationTokens();
    const scope = nock(API)
      .get("/repos/acme/api/actions/runs")
      .query({ status: "completed", created: `${WINDOW[0]}..${WINDOW[1]}`, per_page: "100", page: "1" })
      .reply(200, { total_count: 150, workflow_runs: Array.from({ length: 100 }, (_, i) => apiRun(i + 1, i === 0 ? 2 : 1)) });
    const out = (await listRuns(event(progress()))) as ListRunsOutput;
    scope.done();
    expect(out.facts).toHaveLength(100);
    expect(out.attempts).toHaveLength(101);
    expect(out.progress.cursor).toEqual({ windows: [WINDOW], page: 2, skip: 0 });
    expect(out.progress.totals).toMatchObject({ runs: 100, attempts: 101, githubCalls: 1 });
    expect(out.done).toBe(false);

    nock(API)
      .get("/repos/acme/api/actions/runs")
      .query((q) => q.page === "2")
      .reply(200, { total_count: 150, workflow_runs: Array.from({ length: 50 }, (_, i) => apiRun(200 + i)) });
    const last = (await listRuns(event(out.progress))) as ListRunsOutput;
    expect(last.done).toBe(true);
    expect(last.progress.totals).toMatchObject({ runs: 150, attempts: 151, githubCalls: 2 });
  });

  it("splits a window whose total_count exceeds 1,000 and lists its parts instead (the probe's runs are not used)", async () => {
    nockInstallationTokens();
    nock(API)
      .get("/repos/acme/api/actions/runs")
      .query(true)
      .reply(200, { total_count: 2_500, workflow_runs: Array.from({ length: 100 }, (_, i) => apiRun(i + 1)) });
    const out = (await listRuns(event(progress()))) as ListRunsOutput;
    expect(out.facts).toEqual([]);
    expect(out.progress.cursor.windows).toEqual(splitWindow(WINDOW, 2_500));
    expect(out.progress.cursor.windows.length).toBe(4);
    expect(out.progress.totals).toMatchObject({ runs: 0, githubCalls: 1 });
    expect(out.done).toBe(false);
  });

  it("a single second with more than 1,000 runs is listed up to the cap and the rest reported unreachable", async () => {
    nockInstallationTokens();
    const second: [string, string] = ["2026-10-01T00:00:00Z", "2026-10-01T00:00:00Z"];
    nock(API)
      .get("/repos/acme/api/actions/runs")
      .query(true)
      .reply(200, { total_count: 1_200, workflow_runs: Array.from({ length: 100 }, (_, i) => apiRun(i + 1)) });
    const out = (await listRuns(event(progress({ windows: [second] })))) as ListRunsOutput;
    expect(out.facts).toHaveLength(100);
    expect(out.progress.totals.unreachable).toBe(200);
  });

  it("a rate limit answers the seconds to wait, keeps the cursor and counts the call", async () => {
    nockInstallationTokens();
    const reset = Math.floor(Date.now() / 1000) + 90;
    nock(API)
      .get("/repos/acme/api/actions/runs")
      .query(true)
      .reply(403, { message: "API rate limit exceeded" }, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) });
    const out = (await listRuns(event(progress({ page: 3 })))) as ListRunsOutput;
    expect(out.waitSeconds).toBeGreaterThanOrEqual(89);
    expect(out.waitSeconds).toBeLessThanOrEqual(92);
    expect(out.progress.cursor).toEqual({ windows: [WINDOW], page: 3, skip: 0 });
    expect(out.progress.totals.githubCalls).toBe(1);
    expect(out.done).toBe(false);
  });

  it("a page whose attempts exceed one page child is handed out in parts (skip), the page asked again", async () => {
    nockInstallationTokens();
    nock(API)
      .get("/repos/acme/api/actions/runs")
      .query(true)
      .times(2)
      .reply(200, { total_count: 100, workflow_runs: Array.from({ length: 100 }, (_, i) => apiRun(i + 1, 10)) });
    const first = (await listRuns(event(progress()))) as ListRunsOutput;
    expect(first.attempts).toHaveLength(MAX_ATTEMPTS_PER_PAGE);
    expect(first.progress.cursor).toEqual({ windows: [WINDOW], page: 1, skip: 50 });
    const second = (await listRuns(event(first.progress))) as ListRunsOutput;
    expect(second.facts.map((f) => f.id)).toEqual(Array.from({ length: 50 }, (_, i) => i + 51));
    expect(second.done).toBe(true);
    expect(second.progress.totals).toMatchObject({ runs: 100, attempts: 1_000 });
  });

  it("refuses input that does not fit its schema, not retried", async () => {
    await expect(listRuns({ installationId: 9 })).rejects.toMatchObject({ name: "InvalidInputError" });
  });
});

describe("list-repositories task", () => {
  const base = { org: "acme", repository: null, installationId: null, page: 1, totals: ZERO_TOTALS, previous: [] };

  it("finds the installation with the App's JWT, lists a page of 100 and folds the previous page's children", async () => {
    nockInstallationTokens();
    nock(API).get("/orgs/acme/installation").reply(200, { id: 9 });
    nock(API)
      .get("/installation/repositories")
      .query({ per_page: "100", page: "1" })
      .reply(200, {
        total_count: 130,
        repositories: Array.from({ length: 100 }, (_, i) => ({
          id: i + 1,
          full_name: `acme/r${i}`,
          private: true,
          visibility: i === 0 ? "internal" : "private",
          ...(i === 1 ? { custom_properties: { "cost-center": "Payments", odd: 5 } } : {}),
        })),
      });
    const out = (await listRepositories({ ...base, previous: [{ runs: 3, attempts: 4, githubCalls: 2 }, { failures: 1 }] })) as ListRepositoriesOutput;
    expect(out.installationId).toBe(9);
    expect(out.repositories).toHaveLength(100);
    expect(out.repositories[0]).toEqual({ id: 1, fullName: "acme/r0", visibility: "internal" });
    // Custom properties come with the listing (no extra call) and travel to every attempt priced: the cost centre.
    expect(out.repositories[1]).toEqual({ id: 2, fullName: "acme/r1", visibility: "private", customProperties: { "cost-center": "Payments" } });
    expect(out).toMatchObject({ page: 2, done: false, waitSeconds: 0 });
    expect(out.totals).toEqual({ ...ZERO_TOTALS, repositories: 100, runs: 3, attempts: 4, githubCalls: 4, failures: 1 });

    nock(API)
      .get("/installation/repositories")
      .query({ per_page: "100", page: "2" })
      .reply(200, { total_count: 130, repositories: Array.from({ length: 30 }, (_, i) => ({ id: 200 + i, full_name: `acme/s${i}`, private: false })) });
    const last = (await listRepositories({ ...base, installationId: 9, page: 2, totals: out.totals })) as ListRepositoriesOutput;
    expect(last).toMatchObject({ page: null, done: true });
    expect(last.repositories[0]!.visibility).toBe("public");
    expect(last.totals.repositories).toBe(130);
  });

  it("with page null only folds, calling nothing", async () => {
    const out = (await listRepositories({ ...base, installationId: 9, page: null, previous: [{ runs: 2 }] })) as ListRepositoriesOutput;
    expect(out.totals.runs).toBe(2);
    expect(out.repositories).toEqual([]);
  });

  it("a rate-limited installation lookup answers the wait and keeps the page", async () => {
    nock(API).get("/orgs/acme/installation").reply(429, { message: "slow down" }, { "retry-after": "12" });
    const out = (await listRepositories(base)) as ListRepositoriesOutput;
    expect(out).toMatchObject({ waitSeconds: 12, page: 1, installationId: null, done: false });
  });

  it("an org without the App installed is a definite no, not retried", async () => {
    nock(API).get("/orgs/acme/installation").reply(404, { message: "Not Found" });
    await expect(listRepositories(base)).rejects.toMatchObject({ name: "UpstreamError", message: expect.stringMatching(/installed on acme/) });
  });
});
