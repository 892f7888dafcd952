// The App's credentials, checked once before anything uses them, with messages that name the variable (or the
// secret's field) and what is wrong. Without this, Probot says "privateKey option is required" for a key that is
// set but unreadable, and "appId option is required" for APP_ID=abc.
import { createPrivateKey } from "node:crypto";
import { readFileSync } from "node:fs";
import * as z from "zod";
import { CredentialsError } from "./errors.js";

export interface CheckedCredentials {
  appId: string;
  privateKey: string;
  webhookSecret: string;
  directoryScimToken?: string;
}

const PEM_RE = /-----BEGIN ([A-Z ]*PRIVATE KEY)-----([\s\S]*?)-----END \1-----/;

/**
 * A key as people paste it into a variable: literal "\n", one line without line breaks, or base64 of the PEM
 * (Probot accepts the same spellings).
 */
export function normalisePrivateKey(raw: string): string {
  let key = raw.trim();
  if (!key.includes("-----BEGIN") && /^[A-Za-z0-9+/=\s]+$/.test(key)) key = Buffer.from(key, "base64").toString("utf8").trim();
  if (key.includes("\\n")) key = key.replace(/\\n/g, "\n").trim();
  const m = PEM_RE.exec(key);
  if (m && !key.includes("\n")) {
    const body = (m[2] ?? "").replace(/\s+/g, "");
    key = `-----BEGIN ${m[1]}-----\n${body.match(/.{1,64}/g)?.join("\n") ?? ""}\n-----END ${m[1]}-----`;
  }
  return key;
}

/** Why `key` cannot sign the App's JWTs (RS256), or undefined when it can. */
export function privateKeyProblem(key: string): string | undefined {
  if (!PEM_RE.test(key)) return "is not a PEM private key";
  try {
    const k = createPrivateKey(key);
    if (k.asymmetricKeyType !== "rsa")
      return `is a ${k.asymmetricKeyType ?? "non-RSA"} key; a GitHub App's key is RSA: generate one on the App's settings page`;
    return undefined;
  } catch {
    return "is not a PEM private key";
  }
}

const APP_ID_HINT = "the App ID from the App's settings page";

/** Field rules shared by the environment and the secret JSON; `label` is how a message names the field. */
function appIdSchema(label: string) {
  return z.union([z.string(), z.number()]).transform((v, ctx) => {
    const s = String(v).trim();
    if (!/^[1-9]\d{0,15}$/.test(s)) ctx.addIssue({ code: "custom", message: `${label} must be a number (${APP_ID_HINT}), got ${JSON.stringify(v)}` });
    return s;
  });
}

function privateKeySchema(label: string) {
  return z.string().transform((raw, ctx) => {
    const key = normalisePrivateKey(raw);
    const problem = privateKeyProblem(key);
    if (problem) ctx.addIssue({ code: "custom", message: `${label} ${problem}` });
    return key;
  });
}

function check<T>(schema: z.ZodType<T>, value: unknown, missing: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new CredentialsError(issue?.code === "custom" ? issue.message : missing);
}

const SETUP_HINT = 'register the App from app.yml and set its credentials (see the README, "Run against a real org")';

/**
 * From Probot's variables: APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET (required only for the
 * webhook server: the tasks never check signatures).
 */
export function credentialsFromEnv(env: NodeJS.ProcessEnv, opts: { webhookSecret: boolean }): CheckedCredentials {
  const missing = ["APP_ID", ...(opts.webhookSecret ? ["WEBHOOK_SECRET"] : [])].filter((k) => !env[k]?.trim());
  if (!env.PRIVATE_KEY?.trim() && !env.PRIVATE_KEY_PATH?.trim()) missing.push("PRIVATE_KEY or PRIVATE_KEY_PATH");
  if (missing.length) throw new CredentialsError(`missing ${missing.join(", ")}: ${SETUP_HINT}`);
  const appId = check(appIdSchema("APP_ID"), env.APP_ID, "APP_ID is not set");
  let privateKey: string;
  if (env.PRIVATE_KEY?.trim()) {
    privateKey = check(privateKeySchema("PRIVATE_KEY"), env.PRIVATE_KEY, "PRIVATE_KEY is not set");
  } else {
    const path = env.PRIVATE_KEY_PATH!.trim();
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new CredentialsError(
        code === "ENOENT" ? `PRIVATE_KEY_PATH: file not found: ${path}` : `PRIVATE_KEY_PATH: cannot read ${path} (${code ?? "error"})`,
      );
    }
    privateKey = check(privateKeySchema(`PRIVATE_KEY_PATH: ${path}`), text, `PRIVATE_KEY_PATH: ${path} is empty`);
  }
  return { appId, privateKey, webhookSecret: env.WEBHOOK_SECRET ?? "" };
}

const secretShape = z.looseObject({
  appId: z.unknown(),
  privateKey: z.unknown(),
  webhookSecret: z.unknown(),
  directoryScimToken: z.string().optional(),
});

const SECRET_HINT = 'store the App\'s credentials in it with `npx org-flows setup aws` (see the README, "Deploy to AWS", step 3)';

/** From the Secrets Manager secret's JSON: the same rules, naming the secret's fields. */
export function credentialsFromSecret(secretString: string | undefined): CheckedCredentials {
  let json: unknown;
  try {
    json = JSON.parse(secretString ?? "");
  } catch {
    throw new CredentialsError(`the app secret is not JSON: expected {"appId", "privateKey", "webhookSecret"}; ${SECRET_HINT}`);
  }
  const shape = secretShape.safeParse(json);
  if (!shape.success) throw new CredentialsError(`the app secret is not a JSON object with appId, privateKey, webhookSecret; ${SECRET_HINT}`);
  const s = shape.data;
  const empty = (["appId", "privateKey", "webhookSecret"] as const).filter((k) => s[k] === undefined || s[k] === null || s[k] === "");
  if (empty.length) throw new CredentialsError(`the app secret lacks ${empty.join(", ")}: ${SECRET_HINT}`);
  const appId = check(appIdSchema("the app secret's appId"), s.appId, "the app secret's appId must be a number");
  const privateKey = check(privateKeySchema("the app secret's privateKey"), s.privateKey, "the app secret's privateKey must be a string holding the PEM key");
  if (typeof s.webhookSecret !== "string") throw new CredentialsError("the app secret's webhookSecret must be a string");
  return {
    appId,
    privateKey,
    webhookSecret: s.webhookSecret,
    ...(s.directoryScimToken ? { directoryScimToken: s.directoryScimToken } : {}),
  };
}
