// Real processes: `npx org-flows start` and the commands on one DATA_DIR, and fatal start errors. Each child has a timeout
// and is always killed; the assertions are exit codes, one line on stderr and never a stack trace.
import { afterAll, afterEach, describe, expect, test } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { acquireDataDirLock, DataDirInUseError, lockPath } from "../infra/local/data-dir-lock.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const children = new Set<ChildProcess>();

interface Done {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function baseEnv(over: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    APP_ID: "123",
    PRIVATE_KEY: KEY,
    WEBHOOK_SECRET: "s",
    HOST: "127.0.0.1",
    LOG_LEVEL: "info",
  };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Runs `org-flows <command>` as `node --import tsx app/cli/org-flows.ts` (what npx runs, without its own start-up time). */
function launch(command: string, args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; done: Promise<Done> } {
  const started = Date.now();
  const child = spawn(process.execPath, ["--import", "tsx", "app/cli/org-flows.ts", command, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Done>((resolve) => {
    child.on("close", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
  return { child, done };
}

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Done> {
  return launch(command, args, env).done;
}

/** stderr without Node's own deprecation/support warnings, which are not ours to word. */
function ours(stderr: string): string {
  return stderr
    .split("\n")
    .filter((l) => l.trim() && !/Warning|versions published|will require node|To continue receiving|security updates|a\.co\/|--trace-warnings/.test(l))
    .join("\n");
}

function expectOneLine(d: Done, pattern: RegExp): void {
  expect(d.stderr).not.toMatch(/^\s+at /m);
  expect(ours(d.stderr)).toMatch(pattern);
  expect(ours(d.stderr).split("\n")).toHaveLength(1);
}

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tempDir = (): string => mkdtempSync(join(tmpdir(), "org-flows-op-"));

afterEach(() => {
  for (const c of children) c.kill("SIGKILL");
});

afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
});

describe("the DATA_DIR lock", () => {
  test("a live holder is named; a dead holder's lock is taken over", () => {
    const dir = tempDir();
    const lock = acquireDataDirLock(dir, "server");
    expect(() => acquireDataDirLock(dir, "command")).toThrow(DataDirInUseError);
    expect(() => acquireDataDirLock(dir, "command")).toThrow(
      `DATA_DIR ${dir} is in use by another org-flows process (pid ${process.pid}, org-flows start); stop it or use another DATA_DIR`,
    );
    lock.release();
    expect(existsSync(lockPath(dir))).toBe(false);
    writeFileSync(lockPath(dir), JSON.stringify({ pid: 2 ** 22 + 12345, role: "server" })); // no such process
    const again = acquireDataDirLock(dir, "command");
    again.release();
  });
});

describe("commands and servers on one DATA_DIR", () => {
  test("two commands at once both work", async () => {
    const env = baseEnv({ DATA_DIR: tempDir() });
    const [a, b] = await Promise.all([run("members", ["--org", "acme"], env), run("report", ["--org", "acme"], env)]);
    for (const d of [a, b]) {
      expect(d.code).toBe(0);
      expect(d.stderr).not.toMatch(/^\s+at |Database is closed/m);
    }
    expect(a.stderr).toContain("No members stored for acme.");
    expect(b.stdout).toContain("No totals recorded for acme");
  }, 90_000);

  test("a second npx org-flows start on the same DATA_DIR stops with one line; commands read through the running one", async () => {
    const dir = tempDir();
    const env = baseEnv({ DATA_DIR: dir, PORT: "0" });
    const first = launch("start", [], env);
    await waitFor(() => existsSync(join(dir, "endpoints.json")), 45_000);

    const second = await run("start", [], env);
    expect(second.code).toBe(2);
    expectOneLine(
      second,
      new RegExp(
        `^error: DATA_DIR ${dir} is in use by another org-flows process \\(pid ${first.child.pid}, org-flows start\\); stop it or use another DATA_DIR$`,
      ),
    );

    const members = await run("members", ["--org", "acme", "--format", "json"], env);
    expect(members.code).toBe(0);
    expect(JSON.parse(members.stdout)).toEqual([]);

    first.child.kill("SIGTERM");
    expect((await first.done).code).toBe(0);
    expect(existsSync(join(dir, "endpoints.json"))).toBe(false);
    expect(existsSync(lockPath(dir))).toBe(false);
  }, 120_000);
});

describe("npx org-flows start: fatal start errors exit within seconds with one line", () => {
  let occupied: Server | undefined;

  afterAll(() => {
    occupied?.close();
  });

  test("a port in use names PORT; nothing is left running", async () => {
    occupied = createServer();
    await new Promise<void>((r) => occupied!.listen(0, "127.0.0.1", r));
    const port = (occupied.address() as AddressInfo).port;
    const dir = tempDir();
    const d = await run("start", [], baseEnv({ DATA_DIR: dir, PORT: String(port) }));
    expect(d.code).toBe(2);
    expectOneLine(d, new RegExp(`^error: PORT ${port} is already in use on 127\\.0\\.0\\.1: stop the other server or set PORT to a free port$`));
    expect(existsSync(lockPath(dir))).toBe(false);
  }, 60_000);

  test.each([
    [{ PORT: "http" }, /^error: PORT must be a whole number from 0 to 65535, got "http"$/],
    [{ LOG_LEVEL: "verbose" }, /^error: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent \(got "verbose"\)$/],
    [{ APP_ID: "abc" }, /^error: APP_ID must be a number \(the App ID from the App's settings page\), got "abc"$/],
    [{ PRIVATE_KEY: "not a key" }, /^error: PRIVATE_KEY is not a PEM private key$/],
    [{ PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: "/nonexistent/app.pem" }, /^error: PRIVATE_KEY_PATH: file not found: \/nonexistent\/app\.pem$/],
    [{ WEBHOOK_SECRET: undefined }, /^error: missing WEBHOOK_SECRET: register the App/],
    [{ DATA_DIR: "<file>/data" }, /^error: DATA_DIR \S+\/data cannot be used: a file is in the way \(ENOTDIR\); set DATA_DIR to a writable folder$/],
    [{ HOST: "no-such-host.invalid" }, /^error: HOST no-such-host\.invalid cannot be resolved/],
  ] as Array<[Record<string, string | undefined>, RegExp]>)(
    "%j",
    async (over, pattern) => {
      const dir = tempDir();
      writeFileSync(join(dir, "file"), "");
      const dataDir = over.DATA_DIR?.replace("<file>", join(dir, "file")) ?? dir;
      const d = await run("start", [], baseEnv({ PORT: "0", ...over, DATA_DIR: dataDir }));
      expect(d.code).toBe(2);
      expectOneLine(d, pattern);
      expect(d.ms).toBeLessThan(30_000);
    },
    60_000,
  );
});
