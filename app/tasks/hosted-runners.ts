// Linux/Windows larger runners carry the name an admin gave them as their label, which says nothing about their
// size: GET /orgs/{org}/actions/hosted-runners tells the platform and core count. Cached per org in module memory
// (one Lambda container prices many runs of the same org; a matrix of 200 jobs must not cost 200 look-ups).
import { resolveSku } from "../pricing/sku.js";
import type { HostedRunner, JobInput } from "../pricing/types.js";
import { httpStatusOf, isRateLimited } from "../http-status.js";
import { TtlCache } from "../ttl-cache.js";
import type { Octokit } from "../github/octokit.js";

export const HOSTED_RUNNER_TTL_MS = 10 * 60 * 1000;

const cache = new TtlCache<HostedRunner[]>(HOSTED_RUNNER_TTL_MS);

/** Tests start from an empty cache. */
export function clearHostedRunnerCache(): void {
  cache.clear();
}

/**
 * True when some job has a label that no standard rule recognises: only then can a larger runner be involved,
 * so only then is the org asked (most runs use ubuntu-latest and cost no extra request).
 */
export function needsHostedRunners(jobs: JobInput[]): boolean {
  return jobs.some((job) => resolveSku(job.labels, []).unknown);
}

async function fetchHostedRunners(octokit: Octokit, org: string): Promise<HostedRunner[]> {
  try {
    const runners = await octokit.paginate(octokit.rest.actions.listHostedRunnersForOrg, { org, per_page: 100 });
    return runners.map((r) => {
      const runner: HostedRunner = { name: r.name, platform: r.platform, cpuCores: r.machine_size_details.cpu_cores };
      // GPU sizes are named like "4-core-gpu"; they have their own SKUs and rates.
      if (/gpu/i.test(r.machine_size_details.id)) runner.gpu = true;
      return runner;
    });
  } catch (err) {
    const status = httpStatusOf(err);
    // A user account has no such endpoint (404); an app without the org permission gets 403. Either way no larger
    // runner can be resolved: their jobs are then flagged as unknown, never guessed as Linux.
    if (status === 404 || (status === 403 && !isRateLimited(err))) return [];
    throw err;
  }
}

/** The org's larger runners, from the cache when younger than the TTL. Errors other than 403/404 are not cached. */
export function hostedRunnersFor(octokit: Octokit, org: string, now = Date.now()): Promise<HostedRunner[]> {
  return cache.get(org.toLowerCase(), () => fetchHostedRunners(octokit, org), now);
}
