// Bundled in place of `@aws-sdk/credential-provider-node` in every Lambda (infra/bundling.ts, `alias`); never
// imported by the app's own code. Lambda hands each function its role's credentials in AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN
// (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime), the first
// link of the SDK's default chain and the one it stops at on Lambda. The rest of that chain (SSO, INI profiles,
// web identity, processes, container and instance metadata) was 130 KB of the webhook bundle and never runs
// there.
import { fromEnv, type FromEnvInit } from "@aws-sdk/credential-provider-env";

/** Same name and shape as the SDK's `defaultProvider`, which every client's runtime configuration imports. */
export const defaultProvider = (init: FromEnvInit = {}): ReturnType<typeof fromEnv> => fromEnv(init);

// The package's other exports, unchanged, in case an SDK client imports them too.
type Expiring = { expiration?: Date } | undefined;
export const credentialsWillNeedRefresh = (credentials: Expiring): boolean => credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials: Expiring): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
