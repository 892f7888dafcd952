// `npx org-flows start` from a clone with no credentials: Probot's setup page registers the App from app.yml
// through the manifest flow (against the GitHub stand-in), writes .env, and the same process then runs the app
// with those credentials: a delivery forwarded from the smee channel is acted on with the new App's key.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseEnv } from "node:util";
import { parse as parseYaml } from "yaml";
import { startGitHubStandin, type GitHubStandin } from "../infra/local/github-standin.js";
import { DEMO_INSTALLATION_ID, memberAddedPayload } from "../infra/local/demo-scenario.js";
import { sign } from "../app/server/signature.js";
import { needsSetup, registerApp } from "../app/cli/start-setup.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const children = new Set<ChildProcess>();
let standin: GitHubStandin;
let smee: { server: Server; url: string; streams: ServerResponse[] };

/** A smee.io channel on loopback: keeps each EventSource open and pushes deliveries as smee does. */
async function fakeSmee(): Promise<typeof smee> {
  const streams: ServerResponse[] = [];
  const server = createServer((req, res) => {
    if (req.url !== "/channel") return void res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    res.write("event: ready\ndata: {}\n\n");
    streams.push(res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/channel`, streams };
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

beforeAll(async () => {
  // The stand-in's first App is someone else's: only the App the manifest flow creates may be used below.
  const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
  standin = await startGitHubStandin({
    appId: 100,
    publicKeyPem: otherKey,
    orgs: [{ login: "acme", installationId: DEMO_INSTALLATION_ID, teams: { staff: [] }, files: { ".github/onboarding.yml": "teams:\n  - staff\n" } }],
    users: [{ login: "newbie", id: 6001, name: "New Bie", email: null }],
  });
  smee = await fakeSmee();
});

afterEach(() => {
  for (const c of children) c.kill("SIGKILL");
});

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  for (const s of smee.streams) s.destroy();
  await new Promise<void>((r) => smee.server.close(() => r()));
  await standin.close();
});

describe("npx org-flows start without credentials", () => {
  test("the setup page is never served on a non-loopback HOST", async () => {
    const log = { info: () => {}, warn: () => {} } as unknown as Parameters<typeof registerApp>[0]["log"];
    await expect(registerApp({ host: "0.0.0.0", port: 0, envFile: join(tmpdir(), "never.env"), log })).rejects.toThrow(
      /^HOST 0\.0\.0\.0: the App setup page is served on loopback only/,
    );
    expect(needsSetup({ WEBHOOK_PROXY_URL: "https://smee.io/x" })).toBe(true);
    expect(needsSetup({ PRIVATE_KEY_PATH: "./key.pem" })).toBe(false);
  });

  test("serves Probot's setup page, registers the App from app.yml, writes .env and then runs with it", async () => {
    // A fresh clone: the repository's app.yml and package.json, no .env, no App variables.
    const cwd = mkdtempSync(join(tmpdir(), "org-flows-setup-"));
    copyFileSync(join(ROOT, "app.yml"), join(cwd, "app.yml"));
    copyFileSync(join(ROOT, "package.json"), join(cwd, "package.json"));
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const child = spawn(process.execPath, [join(ROOT, "app/cli/bin.mjs"), "start"], {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        HOST: "127.0.0.1",
        PORT: String(port),
        GHE_HOST: standin.host,
        GHE_PROTOCOL: "http",
        WEBHOOK_PROXY_URL: smee.url,
        DATA_DIR: join(cwd, ".data"),
        LOG_FORMAT: "json",
        REDELIVERY_INTERVAL_MINUTES: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    let output = "";
    child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (output += d.toString()));

    // 1. The setup page: Probot's form posting app.yml's manifest to GitHub's "new App" page.
    const page = await waitFor("the setup page", async () => {
      const res = await fetch(`${base}/probot`).catch(() => undefined);
      return res?.status === 200 ? res.text() : undefined;
    });
    expect(page).toContain("Register GitHub App");
    expect(page).toContain(`action="http://${standin.host}/settings/apps/new"`);
    const manifest = JSON.parse(/name="manifest" id="manifest" value='([^']*)'/.exec(page)?.[1] ?? "null") as Record<string, unknown>;
    const appYml = parseYaml(readFileSync(join(ROOT, "app.yml"), "utf8")) as Record<string, unknown>;
    expect(manifest.default_events).toEqual(appYml.default_events);
    expect(manifest.default_permissions).toEqual(appYml.default_permissions);
    expect(manifest.hook_attributes).toMatchObject({ url: smee.url });
    expect(manifest.redirect_url).toBe(`${base}/probot/setup`);
    expect(manifest.public).toBe(false);
    expect(existsSync(join(cwd, ".env"))).toBe(false);

    // Probot's import form would take any credentials from any page the browser opens: refused, nothing written.
    const forged = await fetch(`${base}/probot/import`, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: JSON.stringify({ appId: "666", pem: "-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----", webhook_secret: "evil" }),
    }).catch(() => undefined);
    expect(forged?.ok ?? false).toBe(false);
    expect(existsSync(join(cwd, ".env"))).toBe(false);

    // 2. GitHub creates the App and redirects back with a code; Probot exchanges it for the credentials.
    const code = standin.registerManifest(manifest);
    const back = await fetch(`${manifest.redirect_url as string}?code=${code}`, { redirect: "manual" });
    const app = standin.createdApps[0] as { id: number; html_url: string; events: string[] };
    expect(app.events).toEqual(appYml.default_events);
    expect(back.status).toBe(302);
    expect(back.headers.get("location")).toBe(`${app.html_url}/installations/new`);
    // The code is spent: a replayed redirect creates nothing.
    const replay = await fetch(`${manifest.redirect_url as string}?code=${code}`, { redirect: "manual" }).catch(() => undefined);
    expect(replay?.status ?? 0).not.toBe(302);
    expect(standin.createdApps).toHaveLength(1);

    // 3. .env: owner-only, the new App's credentials, nothing the app does not use.
    const envFile = join(cwd, ".env");
    await waitFor(".env", () => existsSync(envFile));
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    const written = parseEnv(readFileSync(envFile, "utf8")) as Record<string, string>;
    expect(written.APP_ID).toBe(String(app.id));
    expect(written.PRIVATE_KEY).toMatch(/^-----BEGIN RSA PRIVATE KEY-----\n[\s\S]+\n-----END RSA PRIVATE KEY-----\n?$/);
    expect(written.WEBHOOK_SECRET).toMatch(/^[0-9a-f]{40}$/);
    expect(written.GITHUB_CLIENT_SECRET).toBeUndefined();

    // 4. The same process now runs the app: a delivery through the smee channel, signed with the new secret, makes
    //    it add the member with an installation token obtained with the new App's key.
    await waitFor("the smee channel to be read", () => output.includes("forwarding deliveries from") && smee.streams.length > 0, 90_000);
    const body = memberAddedPayload("acme", 77, { login: "newbie", id: 6001 });
    const raw = JSON.stringify(body);
    const message = {
      body,
      "x-github-event": "organization",
      "x-github-delivery": "0b5e5f70-0000-4000-8000-000000000001",
      "x-hub-signature-256": sign(written.WEBHOOK_SECRET ?? "", raw),
    };
    for (const s of smee.streams) s.write(`data: ${JSON.stringify(message)}\n\n`);
    await waitFor("the member in the team", () => standin.teamMembers("acme", "staff").includes("newbie"), 60_000);
    expect(standin.calls).toContainEqual({ method: "POST", path: `/app/installations/${DEMO_INSTALLATION_ID}/access_tokens`, status: 201 });
    expect(output).not.toContain(written.PRIVATE_KEY?.split("\n")[1] ?? "-");
    expect(output).not.toContain(written.WEBHOOK_SECRET ?? "-");
  }, 180_000);
});
