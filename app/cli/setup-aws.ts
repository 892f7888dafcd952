// `org-flows setup aws`: the App's credentials (from .env, as Probot's setup page wrote them, or the environment)
// into the deployed stack's Secrets Manager secret, in the JSON the functions read (app/credentials.ts).
import {
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import * as z from "zod";
import type { CheckedCredentials } from "../credentials.js";
import { UsageError } from "../errors.js";

export const appSecretSchema = z.object({
  appId: z.string(),
  privateKey: z.string(),
  webhookSecret: z.string(),
  directoryScimToken: z.string().optional(),
  /** the incoming webhook the chat subscriber posts to (`-c chatWebhook=true`): a credential, so kept here */
  notifyWebhookUrl: z.url({ protocol: /^https$/, error: "NOTIFY_WEBHOOK_URL must be an https:// URL to be stored for AWS" }).optional(),
});
export type AppSecret = z.infer<typeof appSecretSchema>;

/** What is set by hand beside the App's credentials: given now, or kept from the stored value. */
export interface SecretExtras {
  directoryScimToken?: string;
  notifyWebhookUrl?: string;
}

/**
 * The secret's new value: the App's three credentials, and the SCIM token and chat webhook given now or already
 * stored (set by hand, never by the manifest flow, so a re-run must not drop them). Other fields are not kept: the
 * functions read only these.
 */
export function appSecretValue(creds: CheckedCredentials, current: string | undefined, given: SecretExtras = {}): AppSecret {
  let old: Record<string, unknown> = {};
  try {
    const parsed = JSON.parse(current ?? "null") as unknown;
    if (parsed && typeof parsed === "object") old = parsed as Record<string, unknown>;
  } catch {
    // The stack's placeholder is JSON; anything else is replaced whole.
  }
  const extra = (k: keyof SecretExtras): Partial<SecretExtras> => {
    const v = given[k] ?? (typeof old[k] === "string" && old[k] ? old[k] : undefined);
    return v ? { [k]: v } : {};
  };
  const parsed = appSecretSchema.safeParse({
    appId: creds.appId,
    privateKey: creds.privateKey,
    webhookSecret: creds.webhookSecret,
    ...extra("directoryScimToken"),
    ...extra("notifyWebhookUrl"),
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues[0]?.message ?? "the secret's value is not valid");
  return parsed.data;
}

const STACK_TAG = "aws:cloudformation:stack-name";
const LOGICAL_ID_TAG = "aws:cloudformation:logical-id";

/**
 * The stack's app secret, found by the tags CloudFormation puts on what it creates (the stack name, and the
 * logical id `AppSecret…` from infra/stack.ts), so that no stack output has to be copied by hand.
 */
export async function findAppSecret(sm: SecretsManagerClient, stackName: string): Promise<string> {
  const found: string[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sm.send(
      new ListSecretsCommand({
        Filters: [
          { Key: "tag-key", Values: [STACK_TAG] },
          { Key: "tag-value", Values: [stackName] },
        ],
        NextToken,
        MaxResults: 100,
      }),
    );
    for (const s of page.SecretList ?? []) {
      const tag = (k: string): string | undefined => s.Tags?.find((t) => t.Key === k)?.Value;
      if (s.ARN && tag(STACK_TAG) === stackName && tag(LOGICAL_ID_TAG)?.startsWith("AppSecret")) found.push(s.ARN);
    }
    NextToken = page.NextToken;
  } while (NextToken);
  if (found.length === 1) return found[0] as string;
  if (found.length === 0)
    throw new UsageError(
      `no app secret of stack ${stackName} in this region: deploy the stack first, check AWS_REGION, or pass --secret-arn (the AppSecretArn output)`,
    );
  throw new UsageError(`stack ${stackName} has ${found.length} app secrets: pass --secret-arn (the AppSecretArn output)`);
}

/** Writes the new version of the secret; returns the ARN written. The functions read it at their next cold start. */
export async function storeAppSecret(sm: SecretsManagerClient, secretId: string, creds: CheckedCredentials, given: SecretExtras = {}): Promise<string> {
  let current: string | undefined;
  try {
    current = (await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (err) {
    if (err instanceof ResourceNotFoundException)
      throw new UsageError(`the secret ${secretId} does not exist in this region (check AWS_REGION and --secret-arn)`);
    throw err;
  }
  const value = appSecretValue(creds, current, given);
  const out = await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(value) }));
  return out.ARN ?? secretId;
}
