import { Command } from "commander";
import { awsConfigured, dataDir, startEmbedded } from "../../infra/local/embedded.js";
import { createApp } from "../server/probot.js";
import { startWebhookServer } from "../server/webhook-server.js";
import { runCli } from "./run-cli.js";

const program = new Command("npm start")
  .description(
    "Runs the GitHub App's webhook server. Unless AWS endpoints or state machine ARNs are configured, it also starts\n" +
      "the embedded default (local Step Functions endpoint, dynalite, SNS outbox) with its data under DATA_DIR.",
  )
  .addHelpText(
    "after",
    `
Environment:
  APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET   the App's credentials (required)
  WEBHOOK_PROXY_URL     a smee.io channel that forwards GitHub's deliveries to this server
  GHE_HOST, GHE_PROTOCOL  a GitHub Enterprise Server host (default github.com)
  PORT (3000), HOST (127.0.0.1), LOG_LEVEL (info)
  DATA_DIR (.data)      where the embedded default keeps its table, executions and SNS outbox
  DEFAULT_TEAMS         teams for orgs without .github/onboarding.yml, comma-separated slugs
  DIRECTORY_FILE        company directory: JSON array or CSV with a login column
  DIRECTORY_SCIM_URL, DIRECTORY_SCIM_TOKEN   or a SCIM 2.0 directory
  MEMBER_ONBOARDING_STATE_MACHINE_ARN, WORKFLOW_RUN_COST_STATE_MACHINE_ARN, AWS_REGION
                        set these to dispatch to deployed state machines instead of the embedded default`,
  );

runCli(async () => {
  program.parse();
  const { probot, secret } = await createApp();
  const log = probot.log.child({ component: "server" });
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!awsConfigured()) {
    const dir = dataDir();
    const embedded = await startEmbedded({
      dataDir: dir,
      resume: true,
      advertise: true,
      log: (m) => log.info(m),
      onPublish: (m) => log.info({ topic: "notifications", subject: m.subject }, "SNS outbox: message published"),
    });
    log.info(`embedded default: Step Functions ${embedded.sfnEndpoint}, DynamoDB ${embedded.dynamoEndpoint}, data in ${dir}`);
    stopEmbedded = () => embedded.stop();
  } else {
    log.info("dispatching to the configured AWS state machines");
  }
  const server = await startWebhookServer({ probot, secret, log, port: Number(process.env.PORT || 3000), host: process.env.HOST || "127.0.0.1" });
  log.info(`listening for GitHub webhooks on ${server.url}`);
  if (process.env.WEBHOOK_PROXY_URL) {
    const { SmeeClient } = await import("smee-client");
    const smee = new SmeeClient({ source: process.env.WEBHOOK_PROXY_URL, target: server.url, logger: { info: () => {}, error: (...a: unknown[]) => log.error(String(a[0])) } });
    await smee.start();
    log.info(`forwarding deliveries from ${process.env.WEBHOOK_PROXY_URL}`);
  }
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  log.info("stopping: finishing running executions");
  await server.close();
  await stopEmbedded?.();
  return 0;
});
