import { ProbotOctokit } from "probot";
import { timedFetch } from "../outbound.js";
import { appCredentials, githubBaseUrl } from "../secrets.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;

const clients = new Map<string, Octokit>();

/**
 * An Octokit authenticated as the App installation itself: the state machine's input never carries a token,
 * only the installation id. Retries are left to the state machine's Retry, so a throttle is not retried twice.
 * Every call, the installation-token request included, has the outbound timeout (app/outbound.ts).
 */
export async function installationOctokit(installationId: number): Promise<Octokit> {
  const { appId, privateKey } = await appCredentials();
  // One client per installation and per warm process: its auth caches the installation token (valid an hour,
  // refreshed on expiry), so a burst of executions does not mint a token each.
  const key = `${appId}:${installationId}:${githubBaseUrl() ?? ""}`;
  const cached = clients.get(key);
  if (cached) return cached;
  const client = new ProbotOctokit({
    auth: { appId, privateKey, installationId },
    baseUrl: githubBaseUrl(),
    retry: { enabled: false },
    throttle: { enabled: false },
    request: { fetch: timedFetch("GitHub") },
  });
  clients.set(key, client);
  return client;
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
  const client = new ProbotOctokit({
    auth: { appId, privateKey },
    baseUrl: githubBaseUrl(),
    retry: { enabled: false },
    throttle: { enabled: false },
    request: { fetch: timedFetch("GitHub") },
  });
  clients.set(key, client);
  return client;
}
