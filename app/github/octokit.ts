import { ProbotOctokit } from "probot";
import { timedFetch } from "../outbound.js";
import { appCredentials, githubBaseUrl } from "../secrets.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;

/** The App's permissions (app.yml) a token may carry. */
export type Permission = "members" | "contents" | "actions" | "metadata" | "checks" | "pull_requests" | "organization_administration";

/**
 * What one installation token may do: the permissions a call needs, and the repositories it needs them on (none
 * named: org-level permissions only matter, e.g. `members`). GitHub mints the token with exactly these
 * (POST /app/installations/{id}/access_tokens with `repositories` and `permissions`), so a token that leaks or a
 * code path that goes wrong can do no more than its call.
 */
export interface TokenScope {
  repositories?: readonly string[];
  permissions: Partial<Record<Permission, "read" | "write">>;
}

/** The scopes the app's calls use, one per kind of work. */
export const SCOPES = {
  /** Reading the org's config files (.github/onboarding.yml, .github/chargeback.yml). */
  config: { repositories: [".github"], permissions: { contents: "read" } },
  /** Reading memberships, profiles and teams of the org. */
  members: { permissions: { members: "read" } },
  /** Adding members to teams. */
  teamWrites: { permissions: { members: "write" } },
  /** The repositories of the installation and their custom properties. */
  repositories: { permissions: { metadata: "read" } },
  /** The org's larger runners (their sizes price jobs). */
  hostedRunners: { permissions: { organization_administration: "read" } },
  /** The config check of a pull request to the org's .github repository. */
  configCheck: { repositories: [".github"], permissions: { contents: "read", pull_requests: "read", checks: "write", members: "read" } },
} as const satisfies Record<string, TokenScope>;

/** The runs and jobs of one repository. */
export const runsOf = (repository: string): TokenScope => ({ repositories: [repository], permissions: { actions: "read" } });

const clients = new Map<string, Octokit>();

const clientOptions = () => ({
  baseUrl: githubBaseUrl(),
  // Retries are left to the state machine's Retry, so a throttle is not retried twice.
  retry: { enabled: false },
  throttle: { enabled: false },
  // Every call, the installation-token request included, has the outbound timeout (app/outbound.ts).
  request: { fetch: timedFetch("GitHub") },
});

const scopeKey = (s: TokenScope): string =>
  `${[...(s.repositories ?? [])].sort().join(",")}|${Object.entries(s.permissions)
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(",")}`;

/** The parts of @octokit/request an auth hook uses. */
interface HookRequest {
  (endpoint: never): Promise<unknown>;
  endpoint: { merge(route: unknown, parameters?: unknown): { headers: Record<string, string | number | undefined> } };
}

/**
 * An auth strategy that puts a token of the given scope on every request. The App's own auth mints it and keeps it
 * (valid an hour, refreshed on expiry) under a key of the scope, so a burst of calls does not mint a token each.
 */
function scopedInstallationAuth(app: Octokit, installationId: number, scope: TokenScope) {
  const options = {
    type: "installation",
    installationId,
    permissions: { ...scope.permissions },
    ...(scope.repositories?.length ? { repositoryNames: [...scope.repositories] } : {}),
  };
  const token = async (): Promise<{ token: string }> => (await app.auth(options)) as { token: string };
  const hook = async (request: HookRequest, route: unknown, parameters?: unknown): Promise<unknown> => {
    const endpoint = request.endpoint.merge(route, parameters);
    endpoint.headers.authorization = `token ${(await token()).token}`;
    return request(endpoint as never);
  };
  return Object.assign(async () => ({ type: "token", tokenType: "installation", ...(await token()) }), { hook });
}

/**
 * An Octokit authenticated as the App installation, with a token scoped to `scope`: the state machine's input
 * never carries a token, only the installation id. One client per installation and scope per warm process.
 */
export async function installationOctokit(installationId: number, scope: TokenScope): Promise<Octokit> {
  const { appId } = await appCredentials();
  const key = `${appId}:${installationId}:${scopeKey(scope)}:${githubBaseUrl() ?? ""}`;
  const cached = clients.get(key);
  if (cached) return cached;
  const client = await deliveryOctokit(installationId, scope);
  clients.set(key, client);
  return client;
}

/**
 * A new client of the same kind, for one webhook delivery: the delivery bounds its client's calls by its own
 * deadline (app/webhook/github-calls.ts), which a shared client would keep. The token itself is still minted once
 * per scope and kept by the App's auth.
 */
export async function deliveryOctokit(installationId: number, scope: TokenScope): Promise<Octokit> {
  const app = await appOctokit();
  return new ProbotOctokit({ ...clientOptions(), authStrategy: () => scopedInstallationAuth(app, installationId, scope) });
}

/** Tests that swap keys or hosts start from a clean slate. */
export function resetInstallationClients(): void {
  clients.clear();
}

/** An Octokit authenticated as the App itself (a JWT): for the App's own endpoints (its installations, deliveries). */
export async function appOctokit(): Promise<Octokit> {
  const { appId, privateKey } = await appCredentials();
  const key = `${appId}:app:${githubBaseUrl() ?? ""}`;
  const cached = clients.get(key);
  if (cached) return cached;
  const client = new ProbotOctokit({ ...clientOptions(), auth: { appId, privateKey } });
  clients.set(key, client);
  return client;
}

/** An Octokit with a token the operator gave (a user token for the billing API), with the same options. */
export function tokenOctokit(token: string, baseUrl = githubBaseUrl()): Octokit {
  return new ProbotOctokit({ ...clientOptions(), baseUrl, auth: { token } });
}
