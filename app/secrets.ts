import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { credentialsFromEnv, credentialsFromSecret } from "./credentials.js";
import { networkFailure } from "./network-error.js";
import { sdkTimeouts } from "./outbound.js";
import { ConfigurationError, CredentialsError, TransientError } from "./errors.js";
import { readEnv } from "./env.js";

export interface AppCredentials {
  appId: string;
  privateKey: string;
  webhookSecret: string;
  /** optional: the SCIM directory's bearer token, kept in the same secret on AWS */
  directoryScimToken?: string;
}

let cached: Promise<AppCredentials> | undefined;

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
  try {
    if (!env.APP_SECRET_ARN) return credentialsFromEnv(env, { webhookSecret: false });
    return credentialsFromSecret(await readSecret(env.APP_SECRET_ARN));
  } catch (err) {
    // A credential the admin must fix is not retried by the state machines; the message says which and why.
    if (err instanceof CredentialsError) throw new ConfigurationError(err.message, { cause: err });
    throw err;
  }
}

async function readSecret(arn: string): Promise<string | undefined> {
  const client = new SecretsManagerClient({ ...sdkTimeouts() });
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    return out.SecretString;
  } catch (err) {
    const net = networkFailure(err, "AWS Secrets Manager");
    if (net) throw new TransientError(`the app secret: ${net.message}`, { cause: err });
    throw err;
  } finally {
    client.destroy();
  }
}

/** GitHub's API root, honouring Probot's GHE_HOST / GHE_PROTOCOL (also how the demo reaches its stand-in). */
export function githubBaseUrl(raw = process.env): string | undefined {
  const env = readEnv(raw);
  if (!env.GHE_HOST) return undefined;
  return `${env.GHE_PROTOCOL}://${env.GHE_HOST}/api/v3`;
}
