import nock from "nock";
import type { Probot } from "probot";
import { installationOctokit, runsOf, SCOPES } from "../app/github/octokit.js";
import { blockNetwork, setAppEnv, testProbot } from "./helpers/app-env.js";

/**
 * Installation tokens carry only what each call needs: GitHub mints them with `repositories` and `permissions`
 * (POST /app/installations/{id}/access_tokens), and every API call of the work is made with that token, never with
 * a token for every repository the App may reach.
 */
const GH = "https://api.github.com";
type Minted = { repositories?: string[]; permissions?: Record<string, string> };

let minted: Minted[];
/** GitHub's token endpoint: a token named after its scope, so the calls show which token they carried. */
function nockTokens(): void {
  minted = [];
  nock(GH)
    .persist()
    .post(/\/app\/installations\/\d+\/access_tokens/, (body: Minted) => {
      minted.push(body);
      return true;
    })
    .reply(201, (_uri, body) => {
      const b = body as Minted;
      const name =
        b.repositories || b.permissions
          ? `ghs_${(b.repositories ?? ["org"]).join("+")}_${Object.keys(b.permissions ?? {})
              .sort()
              .join("+")}`
          : "ghs_all";
      return { token: name, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: b.permissions ?? {} };
    });
}

beforeEach(() => {
  setAppEnv();
  blockNetwork();
  nockTokens();
});
afterEach(() => nock.cleanAll());

describe("the factory mints the scope it is given", () => {
  test("the jobs of a run: that repository, actions read; the config: .github, contents read; one token per scope", async () => {
    const seen: string[] = [];
    nock(GH)
      .get("/repos/acme/api/actions/runs/1/attempts/1/jobs")
      .twice()
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [200, { total_count: 0, jobs: [] }];
      })
      .get("/repos/acme/.github/contents/.github%2Fchargeback.yml")
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [404, {}];
      });
    const jobs = await installationOctokit(7, runsOf("api"));
    await jobs.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs", {
      owner: "acme",
      repo: "api",
      run_id: 1,
      attempt_number: 1,
    });
    await jobs.request("GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs", {
      owner: "acme",
      repo: "api",
      run_id: 1,
      attempt_number: 1,
    });
    const config = await installationOctokit(7, SCOPES.config);
    await config
      .request("GET /repos/{owner}/{repo}/contents/{path}", { owner: "acme", repo: ".github", path: ".github/chargeback.yml" })
      .catch(() => undefined);
    expect(minted).toEqual([
      { repositories: ["api"], permissions: { actions: "read" } },
      { repositories: [".github"], permissions: { contents: "read" } },
    ]);
    expect(seen).toEqual(["token ghs_api_actions", "token ghs_api_actions", "token ghs_.github_contents"]);
  });

  test("org-level work (memberships, team adds) gets members permission and no repository contents", async () => {
    nock(GH).get("/orgs/acme/memberships/alice").reply(200, { state: "active", role: "member" });
    await (await installationOctokit(7, SCOPES.teamWrites)).request("GET /orgs/{org}/memberships/{username}", { org: "acme", username: "alice" });
    expect(minted).toEqual([{ permissions: { members: "write" } }]);
  });
});

describe("the config check of a pull request", () => {
  let probot: Probot;
  beforeEach(async () => {
    probot = await testProbot();
  });

  test("every call is made with a token for the .github repository alone, with the check's permissions only", async () => {
    const auth: string[] = [];
    const record = function (this: nock.ReplyFnContext): void {
      auth.push(`${this.req.method} ${this.req.path.split("?")[0]} ${String(this.req.headers.authorization)}`);
    };
    const text = "rates:\n  nope: 1\n";
    nock(GH)
      .get("/repos/acme/.github/pulls/7/files")
      .query(true)
      .reply(function () {
        record.call(this);
        return [200, [{ filename: ".github/chargeback.yml", status: "modified" }]];
      })
      .get("/repos/acme/.github/contents/.github%2Fchargeback.yml")
      .query(true)
      .twice()
      .reply(function () {
        record.call(this);
        return [200, { type: "file", encoding: "base64", size: text.length, content: Buffer.from(text).toString("base64") }];
      })
      .post("/repos/acme/.github/check-runs")
      .reply(function () {
        record.call(this);
        return [201, { id: 1 }];
      });
    await probot.receive({
      id: "d-scope",
      name: "pull_request",
      payload: {
        action: "opened",
        number: 7,
        installation: { id: 4242 },
        repository: { name: ".github", full_name: "acme/.github", owner: { login: "acme", type: "Organization" } },
        pull_request: { number: 7, head: { sha: "a".repeat(40), ref: "x" }, base: { sha: "b".repeat(40), ref: "main" } },
        organization: { login: "acme", id: 1 },
        sender: { login: "fork-author", id: 9 },
      },
    } as Parameters<Probot["receive"]>[0]);
    expect(minted).toContainEqual({ repositories: [".github"], permissions: { contents: "read", pull_requests: "read", checks: "write", members: "read" } });
    expect(auth).toHaveLength(4);
    for (const call of auth) expect(call).toMatch(/ token ghs_\.github_checks\+contents\+members\+pull_requests$/);
  });
});
