// Recovery through the real commands (`org-flows <command>` as npx runs it) on a real DATA_DIR, against the GitHub
// stand-in: a failed onboarding redriven to SUCCEEDED, Ctrl-C in a command, `executions stop`, a server restarted
// after every recovery path, DATA_DIRs that cannot be used, and preconditions checked before anything starts.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_INSTALLATION_ID } from "../infra/local/demo-scenario.js";
import { startGitHubStandin, type GitHubStandin } from "../infra/local/github-standin.js";
import { privateKey } from "./helpers/app-env.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ORG = "acme";
const MEMBERS = [
  { login: "alice-dev", id: 5001 },
  { login: "bob-ops", id: 5002 },
];
const children = new Set<ChildProcess>();
let standin: GitHubStandin;

interface Done {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function env(over: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    APP_ID: "123",
    PRIVATE_KEY: privateKey,
    WEBHOOK_SECRET: "s",
    GHE_HOST: standin.host,
    GHE_PROTOCOL: "http",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: "info",
    REDELIVERY_INTERVAL_MINUTES: "0",
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete e[k];
    else e[k] = v;
  }
  return e;
}

function launch(args: string[], e: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<Done>; stderr(): string; stdout(): string } {
  const child = spawn(process.execPath, ["--import", "tsx", "app/cli/org-flows.ts", ...args], { cwd: ROOT, env: e, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Done>((resolve) =>
    child.on("close", (code, signal) => {
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { child, done, stderr: () => stderr, stdout: () => stdout };
}

const run = (args: string[], e: NodeJS.ProcessEnv): Promise<Done> => launch(args, e).done;

/** stderr without Node's and the SDK's own warnings, and without the server's log lines. */
function ours(stderr: string): string[] {
  return stderr
    .split("\n")
    .filter((l) => l.trim() && !/Warning|versions published|will require node|To continue receiving|security updates|a\.co\/|--trace-warnings/.test(l));
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), "org-flows-recovery-"));

/** `npx org-flows start` on `dir` comes up (endpoints advertised) and stops cleanly on SIGTERM. */
async function restartServer(dir: string, e: NodeJS.ProcessEnv): Promise<void> {
  const server = launch(["start"], { ...e, DATA_DIR: dir });
  // A killed server leaves its endpoints.json behind: wait for this one's.
  const advertised = (): boolean => {
    try {
      return JSON.parse(readFileSync(join(dir, "endpoints.json"), "utf8")).pid === server.child.pid;
    } catch {
      return false;
    }
  };
  // Its SIGTERM handler is in place once it listens.
  await waitFor(() => (advertised() && /listening for GitHub webhooks/.test(server.stdout())) || server.child.exitCode !== null, 60_000);
  expect(ours(server.stderr()).filter((l) => /^error/.test(l))).toEqual([]);
  expect(advertised()).toBe(true);
  server.child.kill("SIGTERM");
  const d = await server.done;
  expect(d.stderr).not.toMatch(/invalid|MISSING_TRANSITION_TARGET|^\s+at /m);
  expect(d.code).toBe(0);
}

async function execution(
  name: string,
  e: NodeJS.ProcessEnv,
): Promise<{ status: string; parent: string | null; redriveCount: number; steps: Array<{ state: string; outcome: string }> }> {
  const d = await run(["executions", name, "--format", "json"], e);
  expect(d.code).toBe(0);
  return JSON.parse(d.stdout) as never;
}

beforeAll(async () => {
  standin = await startGitHubStandin({
    appId: 123,
    publicKeyPem: createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString(),
    orgs: [{ login: ORG, installationId: DEMO_INSTALLATION_ID, teams: {}, files: { ".github/onboarding.yml": "teams: []\n" }, members: MEMBERS }],
    users: MEMBERS.map((m) => ({ login: m.login, id: m.id, name: m.login })),
  });
});

afterEach(() => {
  for (const c of children) c.kill("SIGKILL");
});

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await standin?.close();
});

describe("redrive on the embedded default", () => {
  test("onboardings that failed at a later state are redriven to SUCCEEDED once the cause is fixed; start still starts", async () => {
    const dir = tempDir();
    const directory = join(dir, "..", `directory-${Date.now()}.json`);
    const e = env({ DATA_DIR: dir, DIRECTORY_FILE: directory });
    // The company directory is missing: every onboarding child fails at Enrich, its first state.
    const backfill = await run(["backfill", "--org", ORG, "--members", "--wait", "--format", "json"], e);
    expect(backfill.code).toBe(1);
    const result = JSON.parse(backfill.stdout) as { execution: string; failures: number };
    expect(result.failures).toBe(MEMBERS.length);
    const alice = `${result.execution}-m5001`;
    // The SUCCEEDED backfill's step view: its page child finished, nothing shown as still running; so did the page's Map.
    const parentView = await execution(result.execution, e);
    expect(parentView.status).toBe("SUCCEEDED");
    expect(parentView.steps.filter((s) => s.outcome === "running")).toEqual([]);
    expect(parentView.steps.find((s) => s.state === "Page")?.outcome).toBe("ok");
    const page = `${result.execution}-p1-0`;
    const pageView = await execution(page, e);
    expect(pageView.parent).toBe(result.execution);
    expect(pageView.steps.find((s) => s.state === "Members")?.outcome).toBe("ok");
    const failed = await execution(alice, e);
    expect(failed.status).toBe("FAILED");
    expect(failed.steps.find((s) => s.outcome === "failed")?.state).toBe("Enrich");
    // The member backfill's onboarding children name their page child as their parent.
    expect(failed.parent).toBe(page);
    // The list keeps to 120 columns and names the parent; --wide shows it in full.
    const table = await run(["executions"], e);
    expect(table.code).toBe(0);
    for (const l of table.stdout.trimEnd().split("\n")) expect(l.length).toBeLessThanOrEqual(120);
    expect((await run(["executions", "--wide"], e)).stdout).toContain(result.execution);
    // Cut at --limit per machine (20 by default): the list says so and how to see more.
    const cut = await run(["executions", "--machine", "member-onboarding", "--limit", "1"], e);
    expect(ours(cut.stderr)).toEqual([
      "Showing the 1 most recent executions per machine; member-onboarding has more: --limit N (up to 1000) or --machine NAME shows them.",
    ]);
    expect(ours((await run(["executions", "--machine", "member-onboarding"], e)).stderr)).toEqual([]);
    const list = await run(["executions", "--machine", "member-onboarding", "--format", "json"], e);
    expect((JSON.parse(list.stdout) as Array<{ name: string; parent: string }>).find((r) => r.name === alice)?.parent).toBe(page);

    writeFileSync(directory, JSON.stringify([{ login: "alice-dev", email: "alice@acme.example", department: "Eng" }]));
    const redriven = await run(["executions", "redrive", alice, "--wait", "--format", "json"], e);
    expect(ours(redriven.stderr)).toEqual([]);
    expect(redriven.code).toBe(0);
    expect(JSON.parse(redriven.stdout)).toEqual([{ machine: "member-onboarding", name: alice, status: "SUCCEEDED", outcome: "redriven" }]);
    const after = await execution(alice, e);
    expect([after.status, after.redriveCount]).toEqual(["SUCCEEDED", 1]);
    // History kept: the failed Enrich, then Enrich again and the states after it, each once.
    expect(after.steps.filter((s) => s.state === "Enrich").map((s) => s.outcome)).toEqual(["failed", "ok"]);
    expect(after.steps.filter((s) => s.state === "Store")).toHaveLength(1);
    const members = await run(["members", "--org", ORG, "--format", "json"], e);
    expect((JSON.parse(members.stdout) as Array<{ login: string; department?: string }>).map((m) => [m.login, m.department])).toEqual([["alice-dev", "Eng"]]);

    // The redriven execution cannot be redriven again: one line naming AWS's reason, exit 1, nothing changed.
    const again = await run(["executions", "redrive", alice], e);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain("Execution is SUCCEEDED and cannot be redriven");
    await restartServer(dir, e);

    // --failed redrives the rest; no row is left RUNNING with exit 0.
    const rest = await run(["executions", "redrive", "--failed", "--machine", "member-onboarding", "--format", "json"], e);
    expect(rest.code).toBe(0);
    const rows = JSON.parse(rest.stdout) as Array<{ name: string; status: string; outcome: string }>;
    expect(rows.map((r) => [r.name, r.status, r.outcome])).toEqual([[`${result.execution}-m5002`, "FAILED", "redriven"]]);
    expect((await execution(`${result.execution}-m5002`, e)).status).toBe("SUCCEEDED");
    await restartServer(dir, e);
  }, 240_000);
});

describe("interrupted commands and executions stop", () => {
  test("Ctrl-C in backfill --wait says what happens next; the next backfill finishes it; stop ends one ABORTED", async () => {
    const dir = tempDir();
    const e = env({ DATA_DIR: dir });
    // GitHub's rate limit with a reset ten minutes ahead: the backfill waits for it in a Wait state.
    standin.rateLimitAfter(0, 600);
    const first = launch(["backfill", "--org", ORG, "--since", "2026-11-01", "--wait"], e);
    await waitFor(() => /RUNNING/.test(first.stderr()), 60_000);
    first.child.kill("SIGINT");
    await waitFor(() => /interrupted/.test(first.stderr()), 10_000);
    const line = ours(first.stderr()).filter((l) => /interrupted/.test(l));
    expect(line).toEqual([
      "interrupted: the executions this command runs go on here until they end; Ctrl-C again leaves them RUNNING, to resume the next time a command or npx org-flows start opens DATA_DIR",
    ]);
    first.child.kill("SIGINT");
    const d = await first.done;
    expect(d.code).toBe(130);
    expect(d.stderr).not.toMatch(/^\s+at /m);
    const name = readdirSync(join(dir, "executions")).find((f) => f.startsWith("backfill__"))!;
    expect(JSON.parse(readFileSync(join(dir, "executions", name), "utf8")).status).toBe("RUNNING");

    // The cause passes; the next backfill resumes the interrupted one, follows it and it finishes.
    standin.rateLimitAfter(1_000_000, 0);
    const next = await run(["backfill", "--org", ORG, "--since", "2026-11-01", "--wait", "--format", "json"], e);
    expect(next.stderr).toMatch(/resuming execution bf-acme-/);
    expect(next.code).toBe(0);
    expect(JSON.parse(next.stdout)).toMatchObject({ status: "SUCCEEDED" });
    await restartServer(dir, e);

    // executions stop, through a running server.
    const server = launch(["start"], e);
    await waitFor(
      () =>
        existsSync(join(dir, "endpoints.json")) &&
        readFileSync(join(dir, "endpoints.json"), "utf8").includes(`"pid":${server.child.pid},`) &&
        /listening for GitHub webhooks/.test(server.stdout()),
      60_000,
    );
    standin.rateLimitAfter(0, 600);
    const started = await run(["backfill", "--org", ORG, "--since", "2026-11-02"], e);
    expect(started.code).toBe(0);
    const stuck = started.stdout.trim();
    expect((await execution(stuck, e)).status).toBe("RUNNING");
    const stop = await run(["executions", "stop", stuck, "--wait"], e);
    expect(ours(stop.stderr)).toEqual([]);
    expect([stop.code, stop.stdout]).toEqual([0, `${stuck}: ABORTED\n`]);
    expect((await execution(stuck, e)).status).toBe("ABORTED");
    const twice = await run(["executions", "stop", stuck], e);
    expect(twice.code).toBe(1);
    expect(ours(twice.stderr)).toEqual([`${stuck} is ABORTED: nothing to stop (only a RUNNING execution can be stopped)`]);
    server.child.kill("SIGTERM");
    expect((await server.done).code).toBe(0);
    standin.rateLimitAfter(1_000_000, 0);
    await restartServer(dir, e);
  }, 300_000);
});

describe("DATA_DIR", () => {
  test.each([
    ["a folder that does not exist", "<tmp>/does-not-exist", /^error: DATA_DIR \S+\/does-not-exist does not exist: set DATA_DIR to the folder/],
    ["a file", "<tmp>/file", /^error: DATA_DIR \S+\/file cannot be used: a file is in the way \(ENOTDIR\); set DATA_DIR to a writable folder$/],
    ["under /proc", "/proc/org-flows-nope", /^error: DATA_DIR \/proc\/org-flows-nope does not exist/],
    ["/proc itself", "/proc", /^error: DATA_DIR \/proc cannot be used: /],
  ])(
    "a command refuses %s at once with one line, exit 2, creating nothing",
    async (_what, path, pattern) => {
      const tmp = tempDir();
      writeFileSync(join(tmp, "file"), "");
      const dataDir = path.replace("<tmp>", tmp);
      const d = await run(["members", "--org", ORG], env({ DATA_DIR: dataDir }));
      expect(d.code).toBe(2);
      expect(ours(d.stderr)).toHaveLength(1);
      expect(ours(d.stderr)[0]).toMatch(pattern);
      expect(existsSync(join(tmp, "does-not-exist"))).toBe(false);
    },
    60_000,
  );

  test("start refuses a path under /proc at once with one line", async () => {
    const d = await run(["start"], env({ DATA_DIR: "/proc/org-flows-nope/data" }));
    expect(d.code).toBe(2);
    expect(ours(d.stderr)).toHaveLength(1);
    expect(ours(d.stderr)[0]).toMatch(/^error: DATA_DIR \/proc\/org-flows-nope\/data cannot be used: /);
  }, 60_000);

  test("after kill -9 of start, whose zombie is not reaped yet, start starts again on the same DATA_DIR", async () => {
    const dir = tempDir();
    const e = env({ DATA_DIR: dir });
    // The shell execs sleep, which never reaps: the killed server stays a zombie, as when init reaps late.
    const script = `${process.execPath} --import tsx app/cli/org-flows.ts start >/dev/null 2>&1 & echo $! ; exec sleep 120`;
    const parent = spawn("sh", ["-c", script], { cwd: ROOT, env: e, stdio: ["ignore", "pipe", "ignore"] });
    children.add(parent);
    let pid = 0;
    parent.stdout?.on("data", (b: Buffer) => (pid ||= Number(b.toString().trim())));
    await waitFor(() => pid > 0 && existsSync(join(dir, "endpoints.json")), 60_000);
    process.kill(pid, "SIGKILL");
    await waitFor(() => {
      try {
        return readFileSync(`/proc/${pid}/stat`, "utf8").includes(") Z ");
      } catch {
        return false;
      }
    }, 10_000);
    expect(JSON.parse(readFileSync(join(dir, "org-flows.lock"), "utf8")).pid).toBe(pid);
    await restartServer(dir, e);
    parent.kill("SIGKILL");
  }, 120_000);
});

describe("preconditions first", () => {
  test.each([
    ["backfill", ["backfill", "--org", ORG, "--since", "2026-11-01"]],
    ["backfill --members", ["backfill", "--org", ORG, "--members"]],
    ["redeliver", ["redeliver"]],
  ])(
    "%s without the App's credentials starts nothing and says so on one line",
    async (_what, args) => {
      const dir = tempDir();
      const d = await run(args, env({ DATA_DIR: dir, APP_ID: undefined }));
      expect(d.code).not.toBe(0);
      expect(ours(d.stderr)).toHaveLength(1);
      expect(ours(d.stderr)[0]).toMatch(/^error: .*missing APP_ID/);
      expect(existsSync(join(dir, "executions"))).toBe(false);
    },
    60_000,
  );

  test("backfill of an org without the App's installation starts nothing", async () => {
    const dir = tempDir();
    const d = await run(["backfill", "--org", "globex", "--since", "2026-11-01"], env({ DATA_DIR: dir }));
    expect(d.code).toBe(2);
    expect(ours(d.stderr)).toEqual(["error: the App is not installed on globex"]);
    expect(existsSync(join(dir, "executions"))).toBe(false);
  }, 60_000);

  test("ORG_FLOWS_BACKEND=aws without a region says what to set", async () => {
    const d = await run(["members", "--org", ORG], env({ ORG_FLOWS_BACKEND: "aws", HOME: tempDir(), AWS_REGION: undefined }));
    expect(d.code).toBe(2);
    expect(ours(d.stderr)).toHaveLength(1);
    expect(ours(d.stderr)[0]).toMatch(/^error: AWS needs a region .*set AWS_REGION/);
  }, 60_000);

  test("executions --help is true: no count of machines, stop and --wide described", async () => {
    const d = await run(["executions", "--help"], env({}));
    expect(d.code).toBe(0);
    expect(d.stdout).not.toMatch(/two state machines/);
    expect(d.stdout).toMatch(/stop NAME/);
    expect(d.stdout).toMatch(/--wide/);
  }, 60_000);

  test("--since in the future says so", async () => {
    const d = await run(["backfill", "--org", ORG, "--since", "2099-01-01"], env({ DATA_DIR: tempDir() }));
    expect(d.code).toBe(2);
    expect(ours(d.stderr)[0]).toMatch(/^error: --since 2099-01-01 is in the future \(today is \d{4}-\d{2}-\d{2}, UTC\)$/);
  }, 60_000);
});
