import { newSfnClient } from "../executions/sfn-client.js";
import type { Command } from "commander";
import { dataDirHolder, DataDirInUseError } from "../../infra/local/data-dir-lock.js";
import { CLI_WAIT_MS, startEmbedded, type Embedded, type EmbeddedOptions } from "../../infra/local/embedded.js";
import { createApp } from "../server/probot.js";
import { startWebhookServer, type WebhookServer } from "../server/webhook-server.js";
import { newCommand, parseCommand, STD_IO, type CliIo } from "./format.js";
import { checkDataDir, checkStartEnv, describeListenError, probeListen } from "./start-env.js";
import { UsageError } from "../errors.js";
import { backend, readEnv } from "../env.js";
import { logDestination } from "./log-destination.js";
import { machineArn } from "../dispatch/machines.js";
import { scheduleSweeps } from "../redelivery/start.js";
import { createLogger } from "../log.js";
import { applyDotEnv, dotEnvPath } from "./dotenv.js";
import { needsSetup, registerApp } from "./start-setup.js";
import { chatForwardsSettled } from "../notifications/webhook-post.js";

const program = (): Command =>
  newCommand("start")
    .description(
      "Runs the GitHub App's webhook server. Unless AWS endpoints or state machine ARNs are configured, it also starts\n" +
        "the embedded default (local Step Functions endpoint, dynalite, SNS outbox) with its data under DATA_DIR.",
    )
    .addHelpText(
      "after",
      `
Environment:
  APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET   the App's credentials; when none is set (here or in
                        ./.env), start first serves Probot's setup page on HOST:PORT, which registers the App from
                        ./app.yml and writes them to ./.env (variables set in the environment win over .env)
  WEBHOOK_PROXY_URL     a smee.io channel that forwards GitHub's deliveries to this server
  GHE_HOST, GHE_PROTOCOL  a GitHub Enterprise Server host (default github.com)
  PORT (3000), HOST (127.0.0.1), LOG_LEVEL (info: fatal, error, warn, info, debug, trace or silent)
  OUTBOUND_TIMEOUT_MS (10000)  how long one call to GitHub, the directory or AWS may take
  DATA_DIR (.data)      where the embedded default keeps its table, executions and SNS outbox
  NOTIFY_WEBHOOK_URL    an incoming webhook (Slack, Mattermost, Google Chat...) that receives every notification
  REDELIVERY_INTERVAL_MINUTES (5)  the failed-delivery redelivery sweep on the embedded default (0: off)
  DEFAULT_TEAMS         teams for orgs without .github/onboarding.yml, comma-separated slugs
  DIRECTORY_FILE        company directory: JSON array or CSV with a login column
  DIRECTORY_SCIM_URL, DIRECTORY_SCIM_TOKEN   or a SCIM 2.0 directory
  MEMBER_ONBOARDING_STATE_MACHINE_ARN, WORKFLOW_RUN_COST_STATE_MACHINE_ARN, AWS_REGION
                        set these to dispatch to deployed state machines instead of the embedded default`,
    );

/** A command holds DATA_DIR for a moment: wait for it. Another server holds it for good: stop at once. */
async function startEmbeddedWhenFree(opts: EmbeddedOptions): Promise<Embedded> {
  const until = Date.now() + CLI_WAIT_MS;
  for (;;) {
    try {
      return await startEmbedded(opts);
    } catch (err) {
      if (!(err instanceof DataDirInUseError) || err.holder.role === "server" || Date.now() >= until) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** Stops what already started, but never waits long: a fatal start must exit within seconds. */
async function stopWithin(ms: number, stop: (() => Promise<void>) | undefined): Promise<void> {
  if (!stop) return;
  await Promise.race([stop().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, ms).unref())]);
}

export async function main(argv: string[], io: CliIo = STD_IO): Promise<number> {
  {
    const early = await parseCommand(program(), argv, io, "start");
    if (early !== undefined) return early;
    // Probot's convention: the App's credentials may live in ./.env (the setup page below writes them there).
    const envFile = dotEnvPath();
    applyDotEnv(envFile);
    // Everything that can be checked is checked before anything starts, each failure one line naming the variable.
    const settings = checkStartEnv(process.env);
    if (needsSetup(process.env)) {
      await probeListen(settings.port, settings.host);
      await registerApp({
        host: settings.host,
        port: settings.port,
        envFile,
        log: createLogger(process.env, await logDestination()).child({ component: "setup" }),
      });
    }
    const { probot, secret } = await createApp(process.env, await logDestination());
    const log = probot.log.child({ component: "server" });
    const embedded = backend() === "embedded";
    if (embedded) {
      checkDataDir(settings.dataDir);
      // Another server on this DATA_DIR is named before its port gets in the way.
      const holder = dataDirHolder(settings.dataDir);
      if (holder?.role === "server") throw new DataDirInUseError(settings.dataDir, holder);
    }
    await probeListen(settings.port, settings.host);

    let stopEmbedded: (() => Promise<void>) | undefined;
    let server: WebhookServer;
    try {
      if (embedded) {
        const e = await startEmbeddedWhenFree({
          dataDir: settings.dataDir,
          resume: true,
          advertise: true,
          log: (m) => log.info(m),
          onPublish: (m) => log.info({ topic: "notifications", subject: m.subject }, "SNS outbox: message published"),
        });
        log.info(`embedded default: Step Functions ${e.sfnEndpoint}, DynamoDB ${e.dynamoEndpoint}, data in ${settings.dataDir}`);
        // On AWS the stack's EventBridge schedule runs the sweep; here the server does.
        const minutes = readEnv().REDELIVERY_INTERVAL_MINUTES;
        let stopSweeps = (): void => {};
        if (minutes > 0) {
          const sfn = newSfnClient();
          const stop = scheduleSweeps({ minutes, sfn, machineArn: machineArn("redelivery"), log });
          stopSweeps = () => {
            stop();
            sfn.destroy();
          };
          log.info(`redelivery sweep every ${minutes} min`);
        }
        stopEmbedded = () => {
          stopSweeps();
          return e.stop();
        };
      } else {
        log.info("dispatching to the configured AWS state machines");
      }
      try {
        server = await startWebhookServer({ probot, secret, log, port: settings.port, host: settings.host });
      } catch (err) {
        // The address was free a moment ago (probeListen): someone took it meanwhile.
        throw new UsageError(describeListenError(err, settings.port, settings.host));
      }
    } catch (err) {
      await stopWithin(3_000, stopEmbedded);
      throw err;
    }
    log.info(`listening for GitHub webhooks on ${server.url}`);
    const proxy = readEnv().WEBHOOK_PROXY_URL;
    if (proxy) {
      const { SmeeClient } = await import("smee-client");
      const smee = new SmeeClient({ source: proxy, target: server.url, logger: { info: () => {}, error: (...a: unknown[]) => log.error(String(a[0])) } });
      await smee.start();
      log.info(`forwarding deliveries from ${proxy}`);
    }
    await new Promise<void>((resolve) => {
      const stop = (): void => resolve();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });
    log.info("stopping: finishing running executions");
    await server.close();
    await stopEmbedded?.();
    // Notifications on their way to the chat webhook (NOTIFY_WEBHOOK_URL) are not cut off.
    await chatForwardsSettled();
    return 0;
  }
}
