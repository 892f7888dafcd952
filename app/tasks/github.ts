import { ProbotOctokit } from "probot";
import { appCredentials, githubBaseUrl } from "../secrets.js";

export type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * An Octokit authenticated as the App installation itself: the state machine's input never carries a token,
 * only the installation id. Retries are left to the state machine's Retry, so a throttle is not retried twice.
 */
export async function installationOctokit(installationId: number): Promise<Octokit> {
  const { appId, privateKey } = await appCredentials();
  return new ProbotOctokit({
    auth: { appId, privateKey, installationId },
    baseUrl: githubBaseUrl(),
    retry: { enabled: false },
    throttle: { enabled: false },
  });
}
