import type { DestinationStream } from "pino";
import { createProbot, type Probot } from "probot";
import { credentialsFromEnv } from "../credentials.js";
import orgFlows from "../index.js";
import { timedFetch } from "../outbound.js";
import { createLogger } from "../log.js";
import { CredentialsError, UsageError } from "../errors.js";

/**
 * Probot from its own environment variables (APP_ID, PRIVATE_KEY(_PATH), WEBHOOK_SECRET, GHE_HOST, LOG_LEVEL...).
 * The credentials are checked first, so that a bad one is named ("APP_ID must be a number...") instead of
 * Probot's "appId option is required".
 */
export async function createApp(env: NodeJS.ProcessEnv = process.env, logTo?: DestinationStream): Promise<{ probot: Probot; secret: string }> {
  let creds: ReturnType<typeof credentialsFromEnv>;
  try {
    creds = credentialsFromEnv(env, { webhookSecret: true });
  } catch (err) {
    if (err instanceof CredentialsError) throw new UsageError(err.message);
    throw err;
  }
  // Probot would read the key again from PRIVATE_KEY(_PATH) in its own way: hand it the checked one.
  const probotEnv: NodeJS.ProcessEnv = { ...env, APP_ID: creds.appId, PRIVATE_KEY: creds.privateKey };
  delete probotEnv.PRIVATE_KEY_PATH;
  const probot = createProbot({
    env: probotEnv,
    // Probot's default logger attaches the whole payload to a handler's error; this one never logs payloads.
    // Every GitHub call of the handlers has the outbound timeout.
    overrides: { log: createLogger(env, logTo), request: { fetch: timedFetch("GitHub") } },
  });
  await probot.load(orgFlows);
  return { probot, secret: creds.webhookSecret };
}
