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
});
export type AppSecret = z.infer<typeof appSecretSchema>;

/**
 * The secret's new value: the App's three credentials, and the SCIM token given now or already stored (it is set
 * by hand, never by the manifest flow, so a re-run must not drop it). Other fields are not kept: the functions
 * read only these.
 */
export function appSecretValue(creds: CheckedCredentials, current: string | undefined, scimToken?: string): AppSecret {
  let stored: string | undefined;
  try {
    const old = JSON.parse(current ?? "null") as { directoryScimToken?: unknown } | null;
    if (typeof old?.directoryScimToken === "string" && old.directoryScimToken) stored = old.directoryScimToken;
  } catch {
    // The stack's placeholder is JSON; anything else is replaced whole.
  }
  const token = scimToken ?? stored;
  return appSecretSchema.parse({
    appId: creds.appId,
    privateKey: creds.privateKey,
    webhookSecret: creds.webhookSecret,
    ...(token ? { directoryScimToken: token } : {}),
  });
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
export async function storeAppSecret(sm: SecretsManagerClient, secretId: string, creds: CheckedCredentials, scimToken?: string): Promise<string> {
  let current: string | undefined;
  try {
    current = (await sm.send(new GetSecretValueCommand({ SecretId: secretId }))).SecretString;
  } catch (err) {
    if (err instanceof ResourceNotFoundException)
      throw new UsageError(`the secret ${secretId} does not exist in this region (check AWS_REGION and --secret-arn)`);
    throw err;
  }
  const value = appSecretValue(creds, current, scimToken);
  const out = await sm.send(new PutSecretValueCommand({ SecretId: secretId, SecretString: JSON.stringify(value) }));
  return out.ARN ?? secretId;
}
