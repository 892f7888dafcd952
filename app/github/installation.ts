import { ProbotOctokit } from "probot";
import { UsageError } from "../errors.js";
import { httpStatusOf } from "../http-status.js";
import { timedFetch } from "../outbound.js";
import { appCredentials, githubBaseUrl } from "../secrets.js";

/**
 * The App's installation on an org, found with the App's own JWT (GET /orgs/{org}/installation), for commands that
 * act in an org outside a webhook delivery.
 */
export async function orgInstallationId(org: string): Promise<number> {
  const { appId, privateKey } = await appCredentials();
  const app = new ProbotOctokit({
    auth: { appId, privateKey },
    baseUrl: githubBaseUrl(),
    retry: { enabled: false },
    throttle: { enabled: false },
    request: { fetch: timedFetch("GitHub") },
  });
  try {
    const { data } = await app.rest.apps.getOrgInstallation({ org });
    return data.id;
  } catch (err) {
    if (httpStatusOf(err) === 404) throw new UsageError(`the App is not installed on ${org}`);
    throw err;
  }
}
