import { readFileSync } from "node:fs";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

export interface AppCredentials {
  appId: string;
  privateKey: string;
  webhookSecret: string;
  /** optional: the SCIM directory's bearer token, kept in the same secret on AWS */
  directoryScimToken?: string;
}

let cached: Promise<AppCredentials> | undefined;

function normaliseKey(key: string): string {
  // Keys pasted into one-line variables arrive with literal "\n".
  return key.includes("\\n") ? key.replace(/\\n/g, "\n") : key;
}

/**
 * The App's credentials: from Secrets Manager when `APP_SECRET_ARN` is set (deployed: read once per cold start,
 * never put in Lambda environment variables), else from Probot's own variables (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET).
 */
export function appCredentials(env = process.env): Promise<AppCredentials> {
  cached ??= load(env).catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}

/** The next call reads the credentials again: tests swap environments; the webhook re-reads a rotated secret. */
export function resetCredentialsCache(): void {
  cached = undefined;
}

async function load(env: NodeJS.ProcessEnv): Promise<AppCredentials> {
  if (env.APP_SECRET_ARN) {
    const client = new SecretsManagerClient({});
    const out = await client.send(new GetSecretValueCommand({ SecretId: env.APP_SECRET_ARN }));
    client.destroy();
    let parsed: Partial<AppCredentials>;
    try {
      parsed = JSON.parse(out.SecretString ?? "{}") as Partial<AppCredentials>;
    } catch {
      throw new Error("the app secret is not JSON: expected {\"appId\", \"privateKey\", \"webhookSecret\"}");
    }
    const missing = (["appId", "privateKey", "webhookSecret"] as const).filter((k) => !parsed[k]);
    if (missing.length) throw new Error(`the app secret lacks ${missing.join(", ")}`);
    return {
      appId: String(parsed.appId),
      privateKey: normaliseKey(parsed.privateKey!),
      webhookSecret: parsed.webhookSecret!,
      ...(typeof parsed.directoryScimToken === "string" && parsed.directoryScimToken ? { directoryScimToken: parsed.directoryScimToken } : {}),
    };
  }
  const privateKey = env.PRIVATE_KEY ?? (env.PRIVATE_KEY_PATH ? readFileSync(env.PRIVATE_KEY_PATH, "utf8") : undefined);
  if (!env.APP_ID || !privateKey) {
    throw new Error("APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH) must be set, or APP_SECRET_ARN on AWS");
  }
  return { appId: env.APP_ID, privateKey: normaliseKey(privateKey), webhookSecret: env.WEBHOOK_SECRET ?? "" };
}

/** GitHub's API root, honouring Probot's GHE_HOST / GHE_PROTOCOL (also how the demo reaches its stand-in). */
export function githubBaseUrl(env = process.env): string | undefined {
  if (!env.GHE_HOST) return undefined;
  return `${env.GHE_PROTOCOL || "https"}://${env.GHE_HOST}/api/v3`;
}
