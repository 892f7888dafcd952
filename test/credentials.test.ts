import { afterEach, describe, expect, test } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentialsFromEnv, credentialsFromSecret, normalisePrivateKey } from "../app/credentials.js";
import { appCredentials, resetCredentialsCache } from "../app/secrets.js";
import { createApp } from "../app/server/probot.js";

const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
const ecPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
const dir = mkdtempSync(join(tmpdir(), "creds-"));

const env = (over: Record<string, string | undefined>): NodeJS.ProcessEnv => ({ APP_ID: "123", PRIVATE_KEY: pem, WEBHOOK_SECRET: "s", ...over });

afterEach(() => resetCredentialsCache());

describe("credentials from the environment", () => {
  test("APP_ID=abc names the variable, the expected value and what it got", () => {
    expect(() => credentialsFromEnv(env({ APP_ID: "abc" }), { webhookSecret: true })).toThrow(
      `APP_ID must be a number (the App ID from the App's settings page), got "abc"`,
    );
  });

  test("a PRIVATE_KEY that is not a key, or not RSA", () => {
    expect(() => credentialsFromEnv(env({ PRIVATE_KEY: "hello" }), { webhookSecret: true })).toThrow("PRIVATE_KEY is not a PEM private key");
    const broken = pem.replace(/\n[A-Za-z0-9+/]{10}/, "\nAAAAAAAAAA");
    expect(() => credentialsFromEnv(env({ PRIVATE_KEY: broken }), { webhookSecret: true })).toThrow("PRIVATE_KEY is not a PEM private key");
    expect(() => credentialsFromEnv(env({ PRIVATE_KEY: ecPem }), { webhookSecret: true })).toThrow("PRIVATE_KEY is a ec key; a GitHub App's key is RSA");
  });

  test("PRIVATE_KEY_PATH: a missing file, a file that is not a key, a good file", () => {
    const missing = join(dir, "nope.pem");
    expect(() => credentialsFromEnv(env({ PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: missing }), { webhookSecret: true })).toThrow(
      `PRIVATE_KEY_PATH: file not found: ${missing}`,
    );
    const notKey = join(dir, "not-key.pem");
    writeFileSync(notKey, "just text\n");
    expect(() => credentialsFromEnv(env({ PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: notKey }), { webhookSecret: true })).toThrow(
      `PRIVATE_KEY_PATH: ${notKey} is not a PEM private key`,
    );
    const good = join(dir, "good.pem");
    writeFileSync(good, pem);
    expect(credentialsFromEnv(env({ PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: good }), { webhookSecret: true }).privateKey).toBe(pem.trim());
  });

  test("missing variables are listed together; WEBHOOK_SECRET only where signatures are checked", () => {
    expect(() => credentialsFromEnv({}, { webhookSecret: true })).toThrow("missing APP_ID, WEBHOOK_SECRET, PRIVATE_KEY or PRIVATE_KEY_PATH");
    expect(credentialsFromEnv(env({ WEBHOOK_SECRET: undefined }), { webhookSecret: false }).appId).toBe("123");
  });

  test("keys pasted as one line, with literal \\n, or base64 are accepted", () => {
    expect(normalisePrivateKey(pem.replace(/\n/g, "\\n"))).toBe(pem.trim());
    expect(normalisePrivateKey(Buffer.from(pem).toString("base64"))).toBe(pem.trim());
    expect(credentialsFromEnv(env({ PRIVATE_KEY: pem.replace(/\n/g, " ") }), { webhookSecret: true }).privateKey).toBe(pem.trim());
  });

  test("the tasks' appCredentials use the same rules, as a ConfigurationError (not retried)", async () => {
    await expect(appCredentials(env({ APP_ID: "abc" }))).rejects.toMatchObject({
      name: "ConfigurationError",
      message: expect.stringContaining("APP_ID must be a number"),
    });
  });

  test("npx org-flows start's createApp checks before Probot is created: a usage error, not 'appId option is required'", async () => {
    await expect(createApp(env({ APP_ID: "abc" }))).rejects.toMatchObject({ name: "UsageError", message: expect.stringContaining('got "abc"') });
    await expect(createApp(env({ PRIVATE_KEY: undefined, PRIVATE_KEY_PATH: "/nonexistent/key.pem" }))).rejects.toThrow(
      "PRIVATE_KEY_PATH: file not found: /nonexistent/key.pem",
    );
  });
});

describe("credentials from the app secret (AWS)", () => {
  const secret = (o: object): string => JSON.stringify({ appId: "123456", privateKey: pem, webhookSecret: "w", ...o });

  test("a good secret; appId as a number works too", () => {
    expect(credentialsFromSecret(secret({}))).toMatchObject({ appId: "123456", webhookSecret: "w" });
    expect(credentialsFromSecret(secret({ appId: 42, directoryScimToken: "t" }))).toMatchObject({ appId: "42", directoryScimToken: "t" });
  });

  test("the same rules, naming the secret's fields", () => {
    expect(() => credentialsFromSecret(secret({ appId: "abc" }))).toThrow(
      `the app secret's appId must be a number (the App ID from the App's settings page), got "abc"`,
    );
    expect(() => credentialsFromSecret(secret({ privateKey: "x" }))).toThrow("the app secret's privateKey is not a PEM private key");
    expect(() => credentialsFromSecret(secret({ appId: "", privateKey: "" }))).toThrow("the app secret lacks appId, privateKey: store the App's credentials");
    expect(() => credentialsFromSecret("not json")).toThrow("the app secret is not JSON");
    expect(() => credentialsFromSecret("[1]")).toThrow("not a JSON object");
  });

  test("no message ever carries the key", () => {
    try {
      credentialsFromSecret(secret({ appId: "abc" }));
    } catch (err) {
      expect((err as Error).message).not.toContain("PRIVATE KEY");
    }
  });
});
