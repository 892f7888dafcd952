import { UsageError } from "../errors.js";
import { httpStatusOf } from "../http-status.js";
import { appOctokit } from "./octokit.js";

/**
 * The App's installation on an org, found with the App's own JWT (GET /orgs/{org}/installation), for commands that
 * act in an org outside a webhook delivery.
 */
export async function orgInstallationId(org: string): Promise<number> {
  const app = await appOctokit();
  try {
    const { data } = await app.rest.apps.getOrgInstallation({ org });
    return data.id;
  } catch (err) {
    if (httpStatusOf(err) === 404) throw new UsageError(`the App is not installed on ${org}`);
    throw err;
  }
}
