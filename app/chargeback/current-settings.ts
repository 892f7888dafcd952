// Today's chargeback settings for `report --reallocate`: the org's `.github/chargeback.yml` on the default branch,
// read with the App's own credentials (the operator's command has them: APP_ID/PRIVATE_KEY, or on AWS the secret
// named by APP_SECRET_ARN). The settings the recordings remembered are used only when GitHub cannot be reached, and
// the caller then says so: a reallocation must never silently keep yesterday's rules.
import { loadChargebackConfig } from "../config/chargeback.js";
import { formatProblem } from "../config/schema.js";
import { ConfigurationError, UsageError } from "../errors.js";
import { orgInstallationId } from "../github/installation.js";
import { describeCallFailure, httpStatusOf, isRateLimited } from "../http-status.js";
import { networkFailure } from "../network-error.js";
import { installationOctokit, SCOPES } from "../github/octokit.js";
import type { ChargebackSettings } from "./settings.js";

export type CurrentSettings =
  | { ok: true; settings: ChargebackSettings; source: string }
  /** GitHub could not be reached (network failure, timeout, 5xx, rate limit, no credentials): why, in one line */
  | { ok: false; unreachable: string };

/** No answer (network failure, timeout), a 5xx or a rate limit: GitHub cannot be reached now. */
function isTransient(err: unknown): boolean {
  if (networkFailure(err) !== undefined) return true;
  const status = httpStatusOf(err);
  return status !== undefined && (status >= 500 || status === 429 || isRateLimited(err));
}

/**
 * Reads today's settings. A broken file is the admin's to fix (UsageError: nothing is reallocated); the App not
 * installed is the operator's (UsageError). Anything that says GitHub cannot be reached comes back as `unreachable`.
 */
export async function currentSettings(org: string): Promise<CurrentSettings> {
  let octokit: Awaited<ReturnType<typeof installationOctokit>>;
  try {
    octokit = await installationOctokit(await orgInstallationId(org), SCOPES.config);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    if (httpStatusOf(err) === 401) throw new UsageError(`GitHub refused the App's credentials (HTTP 401): check APP_ID and PRIVATE_KEY`);
    if (err instanceof ConfigurationError) return { ok: false, unreachable: `no App credentials to read ${org}/.github (${err.message.split("\n")[0]})` };
    if (isTransient(err)) return { ok: false, unreachable: describeCallFailure(err) };
    throw err;
  }
  let read: Awaited<ReturnType<typeof loadChargebackConfig>>;
  try {
    read = await loadChargebackConfig(octokit, org);
  } catch (err) {
    if (isTransient(err)) return { ok: false, unreachable: describeCallFailure(err) };
    throw err;
  }
  if (!read.ok) throw new UsageError(`today's chargeback settings cannot be applied, nothing reallocated: ${formatProblem(read.error)}`);
  const source = read.source === "github" ? `no ${org}/.github chargeback.yml (defaults), read now` : `${read.source} on the default branch, read now`;
  return { ok: true, settings: read.settings, source };
}
