import { createProbot, type Probot } from "probot";
import orgFlows from "../index.js";
import { UsageError } from "../usage-error.js";
import { createLogger } from "../lambda/log.js";

/** Probot from its own environment variables (APP_ID, PRIVATE_KEY(_PATH), WEBHOOK_SECRET, GHE_HOST, LOG_LEVEL...). */
export async function createApp(env: NodeJS.ProcessEnv = process.env): Promise<{ probot: Probot; secret: string }> {
  const missing = ["APP_ID", "WEBHOOK_SECRET"].filter((k) => !env[k]);
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) missing.push("PRIVATE_KEY or PRIVATE_KEY_PATH");
  if (missing.length) {
    throw new UsageError(`missing ${missing.join(", ")}: register the App from app.yml and set its credentials (see the README, "Run against a real org")`);
  }
  // Probot's default logger attaches the whole payload to a handler's error; this one never logs payloads.
  const probot = createProbot({ env, overrides: { log: createLogger({ LOG_LEVEL: "info", ...env }) } });
  await probot.load(orgFlows);
  return { probot, secret: env.WEBHOOK_SECRET! };
}

