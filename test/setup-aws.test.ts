// `org-flows setup aws` against a Secrets Manager stand-in on loopback that speaks the service's JSON 1.1 protocol
// (ListSecrets with tag filters, GetSecretValue, PutSecretValue), as the SDK sends it.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../app/cli/setup.js";
import { credentialsFromSecret } from "../app/credentials.js";
import { appSecretValue } from "../app/cli/setup-aws.js";
import type { CliIo } from "../app/cli/format.js";

const KEY = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:AppSecret3C1A2B4D-Xy12Ab";
const OTHER = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:OtherStackAppSecret-Qq99Zz";

interface StoredSecret {
  arn: string;
  tags: Array<{ Key: string; Value: string }>;
  value: string;
  versions: number;
}
let secrets: StoredSecret[];
const requests: Array<{ target: string; body: Record<string, unknown> }> = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = "";
    req.on("data", (d: Buffer) => (raw += d.toString()));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "").replace("secretsmanager.", "");
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      requests.push({ target, body });
      const send = (status: number, out: unknown, type?: string): void => {
        res.writeHead(status, { "content-type": "application/x-amz-json-1.1", ...(type ? { "x-amzn-errortype": type } : {}) });
        res.end(JSON.stringify(out));
      };
      const find = (id: unknown): StoredSecret | undefined => secrets.find((s) => s.arn === id);
      if (target === "ListSecrets") {
        // The tag filters are prefix matches on any tag, each filter must match (AWS's Filter semantics).
        const filters = (body.Filters ?? []) as Array<{ Key: string; Values: string[] }>;
        const hit = (s: StoredSecret): boolean =>
          filters.every((f) =>
            f.Values.some((v) => s.tags.some((t) => (f.Key === "tag-key" ? t.Key.startsWith(v) : f.Key === "tag-value" ? t.Value.startsWith(v) : false))),
          );
        return send(200, { SecretList: secrets.filter(hit).map((s) => ({ ARN: s.arn, Name: s.arn.split(":").at(-1), Tags: s.tags })) });
      }
      if (target === "GetSecretValue") {
        const s = find(body.SecretId);
        if (!s)
          return send(400, { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." }, "ResourceNotFoundException");
        return send(200, { ARN: s.arn, Name: "AppSecret", SecretString: s.value });
      }
      if (target === "PutSecretValue") {
        const s = find(body.SecretId);
        if (!s)
          return send(400, { __type: "ResourceNotFoundException", message: "Secrets Manager can't find the specified secret." }, "ResourceNotFoundException");
        s.value = String(body.SecretString);
        s.versions += 1;
        return send(200, { ARN: s.arn, Name: "AppSecret", VersionId: `v${s.versions}` });
      }
      send(400, { __type: "InvalidRequestException", message: `stand-in does not serve ${target}` }, "InvalidRequestException");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const saved = { ...process.env };
let cwd: string;
const origCwd = process.cwd();

beforeEach(() => {
  secrets = [
    {
      arn: ARN,
      tags: [
        { Key: "aws:cloudformation:stack-name", Value: "OrgFlows" },
        { Key: "aws:cloudformation:logical-id", Value: "AppSecret3C1A2B4D" },
      ],
      // The stack's placeholder: generated webhook secret, empty appId and key.
      value: JSON.stringify({ appId: "", privateKey: "", webhookSecret: "generated" }),
      versions: 1,
    },
    {
      arn: OTHER,
      tags: [
        { Key: "aws:cloudformation:stack-name", Value: "OrgFlowsStaging" },
        { Key: "aws:cloudformation:logical-id", Value: "AppSecret77" },
      ],
      value: "{}",
      versions: 1,
    },
  ];
  requests.length = 0;
  for (const k of ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET", "APP_SECRET_ARN", "DIRECTORY_SCIM_TOKEN"]) delete process.env[k];
  Object.assign(process.env, {
    AWS_REGION: "eu-west-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
  });
  cwd = mkdtempSync(join(tmpdir(), "org-flows-setup-aws-"));
  process.chdir(cwd);
});

afterEach(() => {
  process.chdir(origCwd);
  process.env = { ...saved };
});

function io(): { io: CliIo; out: () => string; err: () => string } {
  const out: string[] = [];
  const err: string[] = [];
  const writer = (into: string[]) => ({
    write(s: string): boolean {
      into.push(s);
      return true;
    },
  });
  return { io: { out: writer(out), err: writer(err) }, out: () => out.join(""), err: () => err.join("") };
}

describe("org-flows setup aws", () => {
  test("stores the credentials from .env (as Probot's setup writes them) into the stack's secret, found by its tags", async () => {
    writeFileSync(join(cwd, ".env"), `APP_ID=4711\nPRIVATE_KEY="${KEY.trim().replace(/\n/g, "\\n")}"\nWEBHOOK_SECRET=from-manifest\n`, { mode: 0o600 });
    const t = io();
    expect(await main(["aws"], t.io)).toBe(0);
    expect(t.out()).toBe(`stored App 4711's credentials in ${ARN}\n`);
    const stored = secrets[0]!;
    expect(stored.versions).toBe(2);
    // What the functions read back from it.
    expect(credentialsFromSecret(stored.value)).toEqual({ appId: "4711", privateKey: KEY.trim(), webhookSecret: "from-manifest" });
    expect(secrets[1]!.versions).toBe(1);
    expect(requests.map((r) => r.target)).toEqual(["ListSecrets", "GetSecretValue", "PutSecretValue"]);
    expect(t.out() + t.err()).not.toContain("from-manifest");
  });

  test("--stack picks that stack's secret; the environment wins over .env; a stored SCIM token is kept", async () => {
    secrets[1]!.value = JSON.stringify({ appId: "1", privateKey: "old", webhookSecret: "old", directoryScimToken: "scim-kept" });
    writeFileSync(join(cwd, ".env"), "APP_ID=1\nWEBHOOK_SECRET=from-file\n");
    Object.assign(process.env, { APP_ID: "99", PRIVATE_KEY: KEY, WEBHOOK_SECRET: "from-env" });
    const t = io();
    expect(await main(["aws", "--stack", "OrgFlowsStaging"], t.io)).toBe(0);
    expect(JSON.parse(secrets[1]!.value)).toEqual({ appId: "99", privateKey: KEY.trim(), webhookSecret: "from-env", directoryScimToken: "scim-kept" });
    expect(secrets[0]!.versions).toBe(1);
  });

  test("--secret-arn writes that secret without listing", async () => {
    Object.assign(process.env, { APP_ID: "5", PRIVATE_KEY: KEY, WEBHOOK_SECRET: "w", DIRECTORY_SCIM_TOKEN: "scim-new" });
    expect(await main(["aws", "--secret-arn", OTHER], io().io)).toBe(0);
    expect(requests.map((r) => r.target)).toEqual(["GetSecretValue", "PutSecretValue"]);
    expect(JSON.parse(secrets[1]!.value)).toMatchObject({ appId: "5", directoryScimToken: "scim-new" });
  });

  test.each([
    [
      "no credentials",
      {},
      ["aws"],
      /^missing APP_ID, WEBHOOK_SECRET, PRIVATE_KEY or PRIVATE_KEY_PATH \(in the environment or .*\.env\): run `npx org-flows start` to register the App first$/,
    ],
    ["a bad APP_ID", { APP_ID: "abc", PRIVATE_KEY: KEY, WEBHOOK_SECRET: "w" }, ["aws"], /^APP_ID must be a number/],
    ["an unknown stack", { APP_ID: "5", PRIVATE_KEY: KEY, WEBHOOK_SECRET: "w" }, ["aws", "--stack", "Nope"], /^no app secret of stack Nope in this region/],
    [
      "an unknown secret",
      { APP_ID: "5", PRIVATE_KEY: KEY, WEBHOOK_SECRET: "w" },
      ["aws", "--secret-arn", `${ARN}x`],
      /^the secret \S+ does not exist in this region/,
    ],
  ] as Array<[string, Record<string, string>, string[], RegExp]>)("refused with one line, nothing written: %s", async (_label, env, argv, message) => {
    Object.assign(process.env, env);
    const before = secrets.map((s) => s.versions);
    await expect(main(argv, io().io)).rejects.toThrow(message);
    expect(secrets.map((s) => s.versions)).toEqual(before);
  });

  test("an unknown target is a usage error", async () => {
    const t = io();
    expect(await main(["gcp"], t.io)).toBe(2);
    expect(t.err()).toMatch(/^setup: command-argument value 'gcp' is invalid for argument 'target'\. Allowed choices are aws\. \(see --help\)\n$/);
  });

  test("the new value: only the fields the functions read, a SCIM token given now replaces the stored one", () => {
    const creds = { appId: "7", privateKey: KEY.trim(), webhookSecret: "s" };
    expect(appSecretValue(creds, JSON.stringify({ appId: "", privateKey: "", webhookSecret: "g", extra: 1 }))).toEqual(creds);
    expect(appSecretValue(creds, JSON.stringify({ directoryScimToken: "a" }), { directoryScimToken: "b" }).directoryScimToken).toBe("b");
    const hook = "https://hooks.slack.com/services/T0/B0/x";
    expect(appSecretValue(creds, JSON.stringify({ notifyWebhookUrl: hook })).notifyWebhookUrl).toBe(hook);
    expect(() => appSecretValue(creds, undefined, { notifyWebhookUrl: "http://plain.example/hook" })).toThrow(/NOTIFY_WEBHOOK_URL must be an https:\/\/ URL/);
    expect(appSecretValue(creds, "not json").directoryScimToken).toBeUndefined();
  });
});
