// `org-flows start` with no App yet: Probot's own setup app (the GitHub App manifest flow) registers the App from
// app.yml and writes its credentials to .env; then start goes on with them. Nothing here re-implements the flow:
// Probot's `run` serves its setup page when it has no App ID, and its ManifestCreation posts app.yml's manifest
// (webhook URL: WEBHOOK_PROXY_URL, the smee channel) and exchanges GitHub's code for the credentials
// (POST /app-manifests/{code}/conversions, docs.github.com "Registering a GitHub App from a manifest").
import type { Logger } from "pino";
import { run } from "probot";
import { SmeeClient } from "smee-client";
import { UsageError } from "../errors.js";
import { updateDotEnv } from "./dotenv.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** The credentials Probot's setup writes; start needs the first three. */
const WRITTEN_BY_SETUP = ["APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET"] as const;
/** The App's OAuth client secret: the app never signs users in, so it is not kept. */
const NOT_KEPT = ["GITHUB_CLIENT_SECRET"];

/** No App yet: none of its credentials is set (one set and another missing is a mistake start names instead). */
export function needsSetup(env: NodeJS.ProcessEnv): boolean {
  return ["APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH", "WEBHOOK_SECRET"].every((k) => !env[k]?.trim());
}

export interface SetupOptions {
  host: string;
  port: number;
  envFile: string;
  log: Logger;
}

/**
 * Serves Probot's setup page on HOST:PORT until the App is registered (or imported from an existing App on the
 * page's "use an existing GitHub App"), then stops it. The credentials are then in `envFile` and in process.env.
 */
export async function registerApp(opts: SetupOptions): Promise<void> {
  if (process.env.NODE_ENV === "production")
    throw new UsageError(
      'missing APP_ID, PRIVATE_KEY and WEBHOOK_SECRET: NODE_ENV=production never runs the setup page; see the README, "Run against a real org"',
    );
  // The page writes whatever credentials reach it: it must not be reachable from other machines.
  if (!LOOPBACK.has(opts.host))
    throw new UsageError(
      `HOST ${opts.host}: the App setup page is served on loopback only (HOST=127.0.0.1); register the App there, then start with HOST=${opts.host}`,
    );
  let registered!: () => void;
  const done = new Promise<void>((resolve) => (registered = resolve));
  const updateEnv = (vars: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
    // Probot's "use an existing GitHub App" form takes any credentials in a plain POST, which any web page the
    // browser opens could send to this loopback address; only GitHub's manifest conversion (which also hands the
    // App's client id) is accepted. An existing App is configured with the variables instead.
    if (vars.APP_ID && !vars.GITHUB_CLIENT_ID) {
      opts.log.warn("refused credentials posted to the setup page: set APP_ID, PRIVATE_KEY_PATH and WEBHOOK_SECRET to use an existing App");
      throw new UsageError("importing an existing App through the setup page is turned off");
    }
    const kept = Object.fromEntries(Object.entries(vars).filter((e): e is [string, string] => typeof e[1] === "string" && !NOT_KEPT.includes(e[0])));
    const merged = updateDotEnv(opts.envFile, kept);
    // The parsed values (the key without Probot's quotes), so that start reads what a restart would read.
    for (const k of Object.keys(kept)) process.env[k] = merged[k];
    if (WRITTEN_BY_SETUP.every((k) => merged[k])) registered();
    return merged;
  };
  const server = await run(() => {}, {
    // Only what the setup page needs: with no APP_ID Probot serves it instead of an app.
    env: { HOST: opts.host, PORT: String(opts.port), LOG_LEVEL: process.env.LOG_LEVEL, NODE_ENV: process.env.NODE_ENV },
    log: opts.log,
    updateEnv,
    SmeeClient,
  });
  opts.log.info(`open http://${opts.host}:${opts.port} and press "Register GitHub App" (the App is made from app.yml)`);
  await done;
  // The browser is being redirected to the App's installation page; its response has been written.
  await server.stop();
  // After Probot's own "please restart the server": there is no need to.
  opts.log.info(`the App's credentials are in ${opts.envFile}; starting the app with them (no restart needed)`);
}
