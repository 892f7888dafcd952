// Every outbound call of the tasks has a timeout and ends in a named, retryable error that says what failed.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import nock from "nock";
import { ProbotOctokit } from "probot";
import { ScimDirectory } from "../app/directory/scim-directory.js";
import { describeCallFailure, httpStatusOf } from "../app/http-status.js";
import { networkFailure } from "../app/network-error.js";
import { callTimeoutMs, timedFetch, withDeadline } from "../app/outbound.js";
import type { OnboardingInput } from "../app/records/onboarding-input.js";
import { handler as enrichMember } from "../app/tasks/enrich-member.lambda.js";
import { classify } from "../app/tasks/classify.js";
import { resetInstallationClients } from "../app/github/octokit.js";
import { API, useTestApp } from "./fixtures/jobs-github.js";
import { TransientError, UpstreamError } from "../app/errors.js";

const TIMEOUT = 150;

function member(login: string): OnboardingInput {
  return {
    org: "acme",
    orgId: 1,
    installationId: 77,
    member: { login, id: 5 },
    teams: [],
    teamProblems: [],
    dryRun: false,
    configSource: "test",
    deliveryId: "d1",
    receivedAt: "2026-01-01T00:00:00.000Z",
  };
}

/** The org membership enrich-member confirms first (a join is acted on only for a current member). */
function nockMembership(login: string): nock.Scope {
  return nock(API)
    .get(new RegExp(`^/orgs/[^/]+/memberships/${login}$`))
    .reply(200, { state: "active", role: "member" });
}

function nockToken(): nock.Scope {
  return nock(API)
    .post("/app/installations/77/access_tokens")
    .reply(201, { token: "ghs_t", expires_at: new Date(Date.now() + 3_600_000).toISOString(), permissions: {} });
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function timed<T>(p: Promise<T>): Promise<{ err: unknown; ms: number }> {
  const start = Date.now();
  try {
    await p;
    return { err: undefined, ms: Date.now() - start };
  } catch (err) {
    return { err, ms: Date.now() - start };
  }
}

beforeAll(() => {
  useTestApp();
  process.env.OUTBOUND_TIMEOUT_MS = String(TIMEOUT);
  nock.disableNetConnect();
  nock.enableNetConnect(/^127\.0\.0\.1(:\d+)?$/);
});

beforeEach(() => {
  resetInstallationClients();
  delete process.env.DIRECTORY_FILE;
  delete process.env.DIRECTORY_SCIM_URL;
  delete process.env.DIRECTORY_SCIM_TOKEN;
});

afterEach(() => {
  nock.abortPendingRequests();
  nock.cleanAll();
});

afterAll(() => {
  delete process.env.OUTBOUND_TIMEOUT_MS;
  nock.enableNetConnect();
});

describe("the call timeout", () => {
  test("OUTBOUND_TIMEOUT_MS is read in one place: 10 s when unset, and a bad value is named, never ignored", () => {
    expect(callTimeoutMs({ OUTBOUND_TIMEOUT_MS: "250" })).toBe(250);
    expect(callTimeoutMs({})).toBe(10_000);
    expect(callTimeoutMs({ OUTBOUND_TIMEOUT_MS: "" })).toBe(10_000);
    expect(() => callTimeoutMs({ OUTBOUND_TIMEOUT_MS: "soon" })).toThrow('OUTBOUND_TIMEOUT_MS must be a number (got "soon")');
    expect(() => callTimeoutMs({ OUTBOUND_TIMEOUT_MS: "-5" })).toThrow("OUTBOUND_TIMEOUT_MS must be above 0");
  });
});

describe("GitHub calls in a task", () => {
  test("a hung GitHub call becomes a TransientError naming the host, within the timeout", async () => {
    nockToken();
    nockMembership("alice");
    nock(API).get("/users/alice").delay(5_000).reply(200, {});
    nock(API)
      .post("/graphql")
      .reply(200, { data: { organization: null } });
    const { err, ms } = await timed(enrichMember(member("alice")));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toBe(`GitHub profile of alice: no answer from GitHub at api.github.com within ${TIMEOUT} ms`);
    expect(ms).toBeLessThan(2_000);
  });

  test("a hung installation-token request becomes a TransientError too", async () => {
    nock(API).post("/app/installations/77/access_tokens").times(2).delay(5_000).reply(201, {});
    const { err, ms } = await timed(enrichMember(member("bo")));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/no answer from GitHub at api\.github\.com within 150 ms$/);
    expect(ms).toBeLessThan(2_000);
  });

  test("DNS failure: TransientError 'cannot reach GitHub at <host>: ENOTFOUND', not HTTP 500", async () => {
    nockToken();
    nockMembership("cy");
    nock(API).get("/users/cy").replyWithError({ code: "ENOTFOUND", message: "getaddrinfo ENOTFOUND api.github.com" });
    nock(API)
      .post("/graphql")
      .reply(200, { data: { organization: null } });
    const { err } = await timed(enrichMember(member("cy")));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toBe("GitHub profile of cy: cannot reach GitHub at api.github.com: ENOTFOUND");
  });

  test("a real refused connection is named with host and code", async () => {
    const port = await closedPort();
    const octokit = new ProbotOctokit({
      auth: { token: "t" },
      baseUrl: `http://127.0.0.1:${port}`,
      retry: { enabled: false },
      throttle: { enabled: false },
      request: { fetch: timedFetch("GitHub") },
    });
    const { err } = await timed(octokit.rest.users.getByUsername({ username: "x" }));
    expect(httpStatusOf(err)).toBeUndefined();
    expect(describeCallFailure(err)).toBe(`cannot reach GitHub at 127.0.0.1:${port}: ECONNREFUSED`);
    expect(classify(err, "profile")).toBeInstanceOf(TransientError);
  });

  test("the task's budget bounds a sequence of calls, not only each call", async () => {
    process.env.OUTBOUND_TIMEOUT_MS = "5000";
    try {
      nock(API).get("/a").delay(3_000).reply(200, {});
      const f = timedFetch("GitHub");
      const { err, ms } = await timed(withDeadline(200, () => f(`${API}/a`)));
      expect((err as Error).message).toBe("no time left to call GitHub at api.github.com: the task's time budget is spent");
      expect(ms).toBeLessThan(2_000);
      await expect(withDeadline(0, () => f(`${API}/a`))).rejects.toMatchObject({ name: "CallTimeoutError" });
    } finally {
      process.env.OUTBOUND_TIMEOUT_MS = String(TIMEOUT);
    }
  });
});

describe("telling a network failure from an HTTP status", () => {
  const requestError = (status: number, extra: object): Error =>
    Object.assign(new Error("x"), { name: "HttpError", status, request: { url: "https://api.github.com/users/a" } }, extra);

  test("a status-500 RequestError whose cause is a socket error is a network failure", () => {
    const err = requestError(500, {
      cause: Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error("getaddrinfo"), { code: "ENOTFOUND" }) }),
    });
    expect(httpStatusOf(err)).toBeUndefined();
    expect(networkFailure(err)).toMatchObject({ kind: "unreachable", host: "api.github.com", code: "ENOTFOUND" });
    expect(describeCallFailure(err)).toBe("cannot reach GitHub at api.github.com: ENOTFOUND");
    expect(classify(err, "jobs").message).toBe("jobs: cannot reach GitHub at api.github.com: ENOTFOUND");
  });

  test("a real HTTP 500 (with a response) stays HTTP 500; a 404 stays an upstream error", () => {
    const err = requestError(500, { response: { status: 500, headers: {} } });
    expect(httpStatusOf(err)).toBe(500);
    expect(describeCallFailure(err)).toBe("GitHub answered HTTP 500");
    expect(classify(err, "jobs").message).toBe("jobs: HTTP 500");
    expect(classify(requestError(404, { response: { status: 404, headers: {} } }), "jobs")).toBeInstanceOf(UpstreamError);
  });

  test("an error that is neither is left alone", () => {
    expect(networkFailure(new Error("boom"))).toBeUndefined();
    expect(describeCallFailure(new Error("boom"))).toBe("boom");
  });
});

describe("SCIM directory", () => {
  test("a hung SCIM call becomes a TransientError within the timeout", async () => {
    nock("https://idp.example").get("/scim/v2/Users").query(true).delay(5_000).reply(200, { Resources: [] });
    const d = new ScimDirectory("https://idp.example/scim/v2", "t0k");
    const { err, ms } = await timed(d.lookup("alice", { emails: [] }));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toBe(`directory scim:https://idp.example/scim/v2: no answer from the SCIM directory at idp.example within ${TIMEOUT} ms`);
    expect(ms).toBeLessThan(2_000);
  });

  test("an unreachable SCIM host is a TransientError naming it", async () => {
    nock("https://idp.example").get("/scim/v2/Users").query(true).replyWithError({ code: "ECONNRESET", message: "socket hang up" });
    const d = new ScimDirectory("https://idp.example/scim/v2", "t0k");
    await expect(d.lookup("alice", { emails: [] })).rejects.toThrow(
      "directory scim:https://idp.example/scim/v2: cannot reach the SCIM directory at idp.example: ECONNRESET",
    );
  });

  test("in the enrich-member task, a hung directory is retried by name", async () => {
    process.env.DIRECTORY_SCIM_URL = "https://idp.example/scim/v2";
    process.env.DIRECTORY_SCIM_TOKEN = "t0k";
    nockToken();
    nockMembership("dee");
    nock(API).get("/users/dee").reply(200, { login: "dee", name: "Dee" });
    nock(API)
      .post("/graphql")
      .reply(200, { data: { organization: null } });
    nock("https://idp.example").get("/scim/v2/Users").query(true).delay(5_000).reply(200, { Resources: [] });
    const { err, ms } = await timed(enrichMember(member("dee")));
    expect(err).toMatchObject({ name: "TransientError" });
    expect((err as Error).message).toContain("no answer from the SCIM directory at idp.example");
    expect(ms).toBeLessThan(2_000);
  });
});
