import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Argument, type Command } from "commander";
import { credentialsFromEnv } from "../credentials.js";
import { CredentialsError, UsageError } from "../errors.js";
import { networkFailure } from "../network-error.js";
import { sdkTimeouts } from "../outbound.js";
import { applyDotEnv, dotEnvPath } from "./dotenv.js";
import { newCommand, parseCommand, STD_IO, type CliIo } from "./format.js";
import { findAppSecret, storeAppSecret } from "./setup-aws.js";

function program(): Command {
  return newCommand("setup")
    .description(
      "Stores the GitHub App's credentials where a deployment reads them. `setup aws`: APP_ID, PRIVATE_KEY (or\n" +
        "PRIVATE_KEY_PATH) and WEBHOOK_SECRET, from the environment or ./.env (which `org-flows start` writes when it\n" +
        "registers the App), into the deployed stack's Secrets Manager secret.",
    )
    .addArgument(new Argument("<target>", "where to store them").choices(["aws"]))
    .option("--stack <name>", "the deployed stack whose app secret is filled", "OrgFlows")
    .option("--secret-arn <arn>", "the secret to fill (the stack's AppSecretArn output) instead of finding it by --stack")
    .addHelpText(
      "after",
      `
Environment: AWS_REGION and the AWS credentials of the usual chain (AWS_PROFILE, ...); APP_SECRET_ARN is the same as
--secret-arn; DIRECTORY_SCIM_TOKEN and NOTIFY_WEBHOOK_URL (https, for -c chatWebhook=true), when set, are stored as the
secret's directoryScimToken and notifyWebhookUrl (ones stored already are kept).
Needs secretsmanager:GetSecretValue and PutSecretValue on the secret, and ListSecrets to find it by --stack.

Examples:
  npx org-flows setup aws
  AWS_REGION=eu-west-1 npx org-flows setup aws --stack OrgFlowsStaging
`,
    );
}

interface Opts {
  stack: string;
  secretArn?: string;
}

export async function main(argv: string[], io: CliIo = STD_IO): Promise<number> {
  const cmd = program();
  const early = await parseCommand(cmd, argv, io, "setup");
  if (early !== undefined) return early;
  const o = cmd.opts<Opts>();
  const envFile = dotEnvPath();
  applyDotEnv(envFile);
  let creds: ReturnType<typeof credentialsFromEnv>;
  try {
    creds = credentialsFromEnv(process.env, { webhookSecret: true });
  } catch (err) {
    if (err instanceof CredentialsError)
      throw new UsageError(
        `${err.message.replace(/: register the App.*$/, "")} (in the environment or ${envFile}): run \`npx org-flows start\` to register the App first`,
      );
    throw err;
  }
  const sm = new SecretsManagerClient({ ...sdkTimeouts() });
  try {
    const secretId = o.secretArn ?? process.env.APP_SECRET_ARN?.trim() ?? (await findAppSecret(sm, o.stack));
    const given = {
      ...(process.env.DIRECTORY_SCIM_TOKEN?.trim() ? { directoryScimToken: process.env.DIRECTORY_SCIM_TOKEN.trim() } : {}),
      ...(process.env.NOTIFY_WEBHOOK_URL?.trim() ? { notifyWebhookUrl: process.env.NOTIFY_WEBHOOK_URL.trim() } : {}),
    };
    const arn = await storeAppSecret(sm, secretId, creds, given);
    io.out.write(`stored App ${creds.appId}'s credentials in ${arn}\n`);
    io.err.write("the functions read them at their next cold start; set the App's Webhook URL to the stack's WebhookUrl output\n");
    return 0;
  } catch (err) {
    const net = networkFailure(err, "AWS Secrets Manager");
    if (net) throw new Error(net.message);
    if (err instanceof Error && (err.name === "CredentialsProviderError" || err.name === "AccessDeniedException" || err.name === "UnrecognizedClientException"))
      throw new UsageError(`AWS refused: ${err.message}`);
    throw err;
  } finally {
    sm.destroy();
  }
}
