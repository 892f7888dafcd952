import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import nock from "nock";
import type { Probot } from "probot";
import { checkConfigChange, MAX_ANNOTATIONS } from "../app/config/check.js";
import { MAX_CHECK_TEXT } from "../app/config/markdown.js";
import { parseYaml } from "../app/config/org-file.js";
import { parseOnboardingConfig } from "../app/config/schema.js";
import { memberItem, type MemberRecord } from "../app/records/member.js";
import { startWebhookServer, type WebhookServer } from "../app/server/webhook-server.js";
import { sign } from "../app/server/signature.js";
import { dynamoClient } from "../app/store/dynamo.js";
import { tableName } from "../app/store/table.js";
import { startEmbedded, type Embedded } from "../infra/local/embedded.js";
import { blockNetwork, nockInstallationToken, setAppEnv, testProbot } from "./helpers/app-env.js";

/**
 * A pull request's author (a fork's included) reads the check run: it must reveal nothing about stored members,
 * and no config text may make the check fail to answer, answer 5xx or block the server.
 */
const GH = "https://api.github.com";
const HEAD = "c".repeat(40);
const BASE = "d".repeat(40);
let probot: Probot;
let embedded: Embedded;
let server: WebhookServer;

const alice: MemberRecord = {
  org: "acme",
  login: "alice-dev",
  userId: 11,
  email: "alice@acme.example",
  employeeId: "E-3001",
  department: "Platform",
  enrichment: "found",
  directorySource: "directory.csv",
  teams: [],
  joinedAt: "2026-01-01T00:00:00.000Z",
  updatedAt: "2026-01-01T00:00:00.000Z",
  deliveryId: "d-alice",
};

beforeAll(async () => {
  setAppEnv();
  embedded = await startEmbedded();
  await dynamoClient().send(new PutItemCommand({ TableName: tableName(), Item: memberItem(alice) }));
  probot = await testProbot();
  const quiet = { warn: () => {}, error: () => {}, info: () => {} };
  server = await startWebhookServer({ probot, secret: "test-secret", log: quiet as never, port: 0 });
});
afterAll(async () => {
  await server.close();
  await embedded.stop();
});
beforeEach(() => blockNetwork());
afterEach(() => nock.cleanAll());

const payload = {
  action: "synchronize",
  number: 7,
  installation: { id: 4242 },
  repository: { name: ".github", full_name: "acme/.github", owner: { login: "acme", type: "Organization" } },
  pull_request: { number: 7, head: { sha: HEAD, ref: "probe" }, base: { sha: BASE, ref: "main" } },
  organization: { login: "acme", id: 1 },
  sender: { login: "fork-author", id: 99 },
};

type CheckBody = Record<string, unknown> & { output: { title: string; summary: string; annotations: unknown[] }; conclusion: string };

/** GitHub for one pull request changing onboarding.yml to `yaml`; resolves with the check run the app created. */
function pullChanging(yaml: string, path = ".github/onboarding.yml", onServed?: () => void): Promise<CheckBody> {
  nockInstallationToken(1);
  let resolve!: (b: CheckBody) => void;
  const check = new Promise<CheckBody>((r) => (resolve = r));
  const content = { type: "file", encoding: "base64", size: yaml.length, content: Buffer.from(yaml).toString("base64") };
  nock(GH)
    .get("/repos/acme/.github/pulls/7/files")
    .query(true)
    .reply(200, [{ filename: path, status: "modified" }])
    .get(`/repos/acme/.github/contents/${encodeURIComponent(path)}`)
    .query({ ref: HEAD })
    .reply(200, () => {
      onServed?.();
      return content;
    })
    .get(`/repos/acme/.github/contents/${encodeURIComponent(path)}`)
    .query({ ref: BASE })
    .reply(404, {})
    .get("/orgs/acme/teams")
    .query(true)
    .optionally()
    .reply(200, [
      { id: 1, slug: "platform", name: "platform", privacy: "closed" },
      { id: 2, slug: "red-team", name: "red-team", privacy: "secret" },
    ])
    .post("/repos/acme/.github/check-runs", (b: CheckBody) => {
      resolve(b);
      return true;
    })
    .reply(201, { id: 1 });
  return check;
}

async function deliver(body: object): Promise<number> {
  const text = JSON.stringify(body);
  const res = await fetch(server.url, {
    method: "POST",
    body: text,
    headers: {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": `d-${Math.random()}`,
      "x-hub-signature-256": sign("test-secret", text),
    },
  });
  await res.arrayBuffer();
  return res.status;
}

/** The check run as GitHub would store it, less the one field that is a clock reading. */
function comparable(b: CheckBody): string {
  const { completed_at: _at, ...rest } = b;
  return JSON.stringify(rest);
}

async function probe(field: string, guess: string): Promise<string> {
  const check = pullChanging(`teams: [platform]\nrules:\n  - when: { ${field}: ["${guess}"] }\n    teams: [platform]\n`);
  expect(await deliver(payload)).toBe(200);
  return comparable(await check);
}

describe("the check run leaks nothing about stored members", () => {
  test.each([
    ["employeeId", "E-3001", "E-3002"],
    ["email", "alice@acme.example", "bob@acme.example"],
  ])("a rule on %s: the same check run whether the guess is right or wrong", async (field, right, wrong) => {
    const hit = await probe(field, right);
    const miss = await probe(field, wrong);
    expect(hit).toBe(miss);
    expect(hit).not.toContain("alice-dev");
    expect(hit).not.toContain(right);
  });

  test("secret team names are not confirmed to a pull request", async () => {
    const check = pullChanging("teams: [red-team]\n");
    expect(await deliver(payload)).toBe(200);
    const body = await check;
    // Listed as not visible, exactly as a team that does not exist would be.
    expect(body.output.summary).toContain("not among the visible teams of acme:** `red-team`");
  });
});

/** A YAML file whose aliases expand a few lines into millions of nodes. */
const ALIAS_BOMB = [
  "a: &a [x, x, x, x, x, x, x, x, x, x]",
  "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]",
  "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]",
  "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]",
  "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]",
  "teams: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]",
  "",
].join("\n");

describe("config parsing is bounded", () => {
  test("an alias bomb gets a failing check run and the delivery 2xx", async () => {
    const check = pullChanging(ALIAS_BOMB);
    expect(await deliver(payload)).toBe(200);
    const body = await check;
    expect(body.conclusion).toBe("failure");
    expect(JSON.stringify(body.output.annotations)).toContain("alias");
  });

  test("an alias bomb in the config in force is a config problem, never a throw", () => {
    const result = parseOnboardingConfig(ALIAS_BOMB);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.problem).toMatch(/alias/i);
  });

  test("every YAML syntax error is a reported problem", () => {
    const out = checkConfigChange({
      org: "acme",
      files: [{ path: ".github/onboarding.yml", head: "teams: [a\nexclude: {b\nrules: [c\n", base: null }],
      orgTeams: null,
    });
    expect(out.conclusion).toBe("failure");
    expect(out.annotations.length).toBeGreaterThan(1);
  });

  test("4,000 problems: a failing check run, at most 50 annotations, and a ping sent as the check starts is answered within 2 s", async () => {
    // Each rate names an unknown SKU: 4,000 problems in about 40 KB.
    const yaml = `rates:\n${Array.from({ length: 4_000 }, (_, i) => `  x${i}: 1`).join("\n")}\n`;
    // The ping leaves the moment GitHub serves the file to the check, so it reaches the server while the check runs:
    // a check that held the event loop for seconds would hold the ping's answer as long.
    let ping: Promise<{ status: number; ms: number }> | undefined;
    const check = pullChanging(yaml, ".github/chargeback.yml", () => {
      const started = Date.now();
      ping = fetch(server.url.replace("/api/github/webhooks", "/ping")).then(async (res) => {
        await res.arrayBuffer();
        return { status: res.status, ms: Date.now() - started };
      });
    });
    const delivery = deliver(payload);
    const body = await check;
    expect(ping).toBeDefined();
    const answered = await ping!;
    expect(answered.status).toBe(200);
    expect(answered.ms).toBeLessThan(2_000);
    expect(await delivery).toBe(200);
    expect(body.conclusion).toBe("failure");
    expect(body.output.annotations.length).toBeLessThanOrEqual(MAX_ANNOTATIONS);
    expect(body.output.title).toMatch(/problems in the org's configuration/);
  });
});

describe("check-run output (pure)", () => {
  test("a repeated key is a problem at the repeat, at any depth (found in one pass, not yaml's quadratic check)", () => {
    const out = parseYaml("rates:\n  a: 1\n  b: 2\n  a: 3\nbudgets:\n  x: {m: 1, m: 2}\n", "f");
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.problems.map((p) => [p.problem, p.line, p.column])).toEqual([
      ["Map keys must be unique", 4, 3],
      ["Map keys must be unique", 6, 13],
    ]);
    expect(parseYaml("a: 1\nb: {a: 1}\n'1': x\n1: y\n", "f").ok).toBe(false);
    expect(parseYaml("a: 1\nb: {a: 1}\n", "f").ok).toBe(true);
  });

  test("summary capped at GitHub's 65,535 characters, at most 50 annotations over both files", () => {
    const slug = "t".repeat(99);
    const teams = Array.from({ length: 50 }, (_, i) => `${slug.slice(0, 90)}-${i}`);
    const rules = Array.from({ length: 200 }, () => `  - when: { department: x }\n    teams: [${teams.join(", ")}]`).join("\n");
    const big = `rules:\n${rules}\n`;
    const broken = `rates:\n${Array.from({ length: 300 }, (_, i) => `  nope_${i}: 1`).join("\n")}\n`;
    const out = checkConfigChange({
      org: "acme",
      files: [
        { path: ".github/onboarding.yml", head: big, base: null },
        { path: ".github/chargeback.yml", head: broken, base: null },
      ],
      orgTeams: [],
    });
    expect(out.summary.length).toBeLessThanOrEqual(MAX_CHECK_TEXT);
    expect(out.annotations.length).toBeLessThanOrEqual(MAX_ANNOTATIONS);
    expect(out.summary).toContain(`Only the first ${MAX_ANNOTATIONS} of`);
  });

  test("markdown in values from the file is escaped: no link, image, mention or HTML", () => {
    const base = "costCenters:\n  Payments: [acme/api]\n";
    const head = 'costCenters:\n  "[click](https://evil.example)": ["<img src=x onerror=alert(1)>", "@org/admins", "`x` ![i](https://evil.example/i.png)"]\n';
    const out = checkConfigChange({ org: "acme", files: [{ path: ".github/chargeback.yml", head, base }], orgTeams: null });
    expect(out.summary).not.toContain("](https://evil");
    expect(out.summary).not.toContain("<img");
    expect(out.summary).not.toMatch(/(^|[^\\])@org/);
  });
});
