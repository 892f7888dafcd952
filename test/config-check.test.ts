import nock from "nock";
import type { Probot } from "probot";
import { CHECK_NAME, checkConfigChange } from "../app/config/check.js";
import { locateField } from "../app/config/positions.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { blockNetwork, nockInstallationToken, setAppEnv, testProbot } from "./helpers/app-env.js";

/** pull_request in the org's .github repository -> a check run with annotations at their lines (nocked GitHub). */
const GH = "https://api.github.com";
const HEAD = "a".repeat(40);
const BASE = "b".repeat(40);
let probot: Probot;
let embedded: Embedded;

beforeAll(async () => {
  setAppEnv();
  // The summary matches rules against the stored members: an empty store on the embedded default.
  embedded = await startEmbedded();
  probot = await testProbot();
});
afterAll(() => embedded.stop());
beforeEach(() => blockNetwork());
afterEach(() => nock.cleanAll());

function payload(repo = ".github", action = "opened"): object {
  return {
    action,
    number: 7,
    installation: { id: 4242 },
    repository: { name: repo, full_name: `acme/${repo}`, owner: { login: "acme", type: "Organization" } },
    pull_request: { number: 7, head: { sha: HEAD, ref: "change" }, base: { sha: BASE, ref: "main" } },
    organization: { login: "acme", id: 1 },
    sender: { login: "admin", id: 9 },
  };
}

function content(text: string): object {
  return { type: "file", encoding: "base64", size: text.length, content: Buffer.from(text).toString("base64") };
}

function receive(p: object): Promise<void> {
  return probot.receive({ id: `d-${Math.random()}`, name: "pull_request", payload: p } as Parameters<Probot["receive"]>[0]);
}

type CheckBody = {
  name: string;
  head_sha: string;
  status: string;
  conclusion: string;
  output: {
    title: string;
    summary: string;
    annotations: Array<{ path: string; start_line: number; end_line: number; annotation_level: string; message: string; title: string }>;
  };
};

/** Nocks a pull request changing `files` (path -> head text, null: deleted) and captures the check run. */
function pull(
  files: Record<string, string | null>,
  base: Record<string, string> = {},
  teams = ["engineering", "platform"],
): { check: Promise<CheckBody>; scope: nock.Scope } {
  nockInstallationToken(1);
  let resolve!: (b: CheckBody) => void;
  const check = new Promise<CheckBody>((r) => (resolve = r));
  const scope = nock(GH)
    .get("/repos/acme/.github/pulls/7/files")
    .query(true)
    .reply(
      200,
      Object.entries(files).map(([filename, text]) => ({ filename, status: text === null ? "removed" : "modified" })),
    );
  for (const [path, text] of Object.entries(files)) {
    const enc = encodeURIComponent(path);
    if (text !== null) scope.get(`/repos/acme/.github/contents/${enc}`).query({ ref: HEAD }).reply(200, content(text));
    scope
      .get(`/repos/acme/.github/contents/${enc}`)
      .query({ ref: BASE })
      .reply(base[path] === undefined ? 404 : 200, base[path] === undefined ? {} : content(base[path]!));
  }
  scope
    .get("/orgs/acme/teams")
    .query(true)
    .optionally()
    .reply(
      200,
      teams.map((slug, i) => ({ id: i, slug, name: slug })),
    );
  scope
    .post("/repos/acme/.github/check-runs", (b: CheckBody) => {
      resolve(b);
      return true;
    })
    .reply(201, { id: 1 });
  return { check, scope };
}

describe("config check run on pull requests", () => {
  test("a schema problem: failure, annotated at its file and line, named org-flows config on the head commit", async () => {
    const yaml = ["teams:", "  - engineering", "  - slug: platform", "    role: owner", "excludeBots: true", ""].join("\n");
    const { check, scope } = pull({ ".github/onboarding.yml": yaml });
    await receive(payload());
    const body = await check;
    expect(scope.isDone()).toBe(true);
    expect(body).toMatchObject({ name: CHECK_NAME, head_sha: HEAD, status: "completed", conclusion: "failure" });
    expect(body.output.annotations).toEqual([
      {
        path: ".github/onboarding.yml",
        start_line: 4,
        end_line: 4,
        annotation_level: "failure",
        title: "teams[1].role",
        message: "must be one of member, maintainer",
      },
    ]);
    expect(body.output.title).toBe("1 problem in the org's configuration");
  });

  test("a YAML syntax error is annotated at the line the parser gives", async () => {
    const yaml = ["teams:", "  - engineering", "rules:", "  - when: { department: Platform", "    teams: [platform]", ""].join("\n");
    const { check } = pull({ ".github/onboarding.yml": yaml });
    await receive(payload(".github", "synchronize"));
    const body = await check;
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations).toHaveLength(1);
    // the unclosed `{` of line 4 is found where the flow map should have ended
    expect(body.output.annotations[0]).toEqual({
      path: ".github/onboarding.yml",
      start_line: 5,
      end_line: 5,
      annotation_level: "failure",
      title: "line 5, column 5",
      message: "Flow map in block collection must be sufficiently indented and end with a }",
    });
  });

  test("every problem gets its own annotation: rules, unknown keys, both files", async () => {
    const onboarding = [
      "teams: [engineering]",
      "rules:",
      "  - when: { department: Platform }",
      "    teams: []",
      "  - when: { title: Lead }",
      "    teams: [{ slug: leads, role: boss }]",
      "dryrun: true",
      "",
    ].join("\n");
    const chargeback = ["rates:", "  linux_2_core: 0.006", "  quantum_9000: 1", "budgets:", "  - scope: org", "    monthlyUsd: -1", ""].join("\n");
    const { check } = pull({ ".github/onboarding.yml": onboarding, ".github/chargeback.yml": chargeback });
    await receive(payload());
    const body = await check;
    const at = body.output.annotations.map((a) => [a.path, a.start_line, a.title]);
    expect(at).toEqual([
      [".github/onboarding.yml", 4, "rules[0].teams"],
      [".github/onboarding.yml", 6, "rules[1].teams[0].role"],
      [".github/onboarding.yml", 7, "(root)"],
      [".github/chargeback.yml", 6, "budgets[0].monthlyUsd"],
      [".github/chargeback.yml", 3, "rates.quantum_9000"],
    ]);
    expect(body.output.annotations[2]!.message).toBe("unknown field 'dryrun'");
  });

  test("a valid change: success, with a summary of what it would do", async () => {
    const before = "teams: [engineering]\n";
    const after = [
      "teams: [engineering, design]",
      "maxChanges: 20",
      "rules:",
      "  - when: { department: Platform }",
      "    teams: [{ slug: platform, role: maintainer }]",
      "",
    ].join("\n");
    const rates = ["rates:", "  linux_2_core: 0.005", ""].join("\n");
    const { check } = pull(
      { ".github/onboarding.yml": after, ".github/chargeback.yml": rates },
      { ".github/onboarding.yml": before, ".github/chargeback.yml": "rates:\n  linux_2_core: 0.006\n" },
    );
    await receive(payload());
    const body = await check;
    expect(body.conclusion).toBe("success");
    expect(body.output.annotations).toEqual([]);
    expect(body.output.summary).toContain("added `design`");
    expect(body.output.summary).toContain("**Teams that are not among the visible teams of acme:** `design`");
    expect(body.output.summary).toContain("Rule 1 (department: 1 value) → `platform`");
    expect(body.output.summary).not.toContain("stored member");
    expect(body.output.summary).toContain("`maxChanges` becomes 20 (was 50)");
    expect(body.output.summary).toContain("`rates.linux_2_core` changed: `0.006` → `0.005`");
  });

  test("other repositories and pull requests that do not touch the config get no check run", async () => {
    nockInstallationToken(1);
    const scope = nock(GH)
      .get("/repos/acme/.github/pulls/7/files")
      .query(true)
      .reply(200, [{ filename: "README.md", status: "modified" }]);
    await receive(payload());
    expect(scope.isDone()).toBe(true);
    // nothing nocked for it: any GitHub call would be refused and fail the delivery
    await expect(receive(payload("api"))).resolves.toBeUndefined();
  });

  test("a malformed payload is ignored", async () => {
    await expect(receive({ ...payload(), pull_request: { number: 7, head: { sha: "nope" }, base: { sha: BASE } } })).resolves.toBeUndefined();
  });
});

describe("positions (pure)", () => {
  const text = ["teams:", "  - engineering", "  - slug: platform", "    role: owner", "rates:", "  Linux 4-core: 1", "  a.b: 2", ""].join("\n");
  test.each([
    ["teams[1].role", 4],
    ["teams[0]", 2],
    ["rates.Linux 4-core", 6],
    ["rates.a.b", 7],
    ["(root)", 1],
    ["nowhere.at.all", 1],
  ])("%s is on line %i", (field, line) => {
    expect(locateField(text, field).line).toBe(line);
  });

  test("a YAML syntax error in chargeback.yml carries its line too", () => {
    const out = checkConfigChange({
      org: "acme",
      files: [{ path: ".github/chargeback.yml", head: "rates:\n  linux_2_core: 0.006\n - x\n", base: null }],
      orgTeams: null,
    });
    expect(out.conclusion).toBe("failure");
    // Every syntax error is reported; the first is where the parser gave up on the mapping.
    expect(out.annotations.map((a) => [a.path, a.start_line])[0]).toEqual([".github/chargeback.yml", 3]);
  });

  test("a deleted onboarding.yml is no problem: the summary says what applies instead", () => {
    const out = checkConfigChange({
      org: "acme",
      files: [{ path: ".github/onboarding.yml", head: null, base: "teams: [a]\n" }],
      orgTeams: null,
    });
    expect(out.conclusion).toBe("success");
    expect(out.summary).toContain("DEFAULT_TEAMS");
  });

  test("the summary names each rule's fields and teams, never who they match (that is sync-teams --config)", () => {
    const head = "rules:\n  - when: { department: [Ops, SRE] }\n    teams: [ops]\n";
    const out = checkConfigChange({
      org: "acme",
      files: [{ path: ".github/onboarding.yml", head, base: null }],
      orgTeams: ["ops"],
    });
    expect(out.summary).toContain("Rule 1 (department: 2 values) → `ops`.");
    expect(out.summary).toContain("sync-teams --org <org> --config <file>");
    expect(out.summary).toContain("Every team named exists in acme.");
  });
});
