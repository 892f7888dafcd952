// Task Lambda of the backfill machine: one page of the installation's repositories (GET /installation/repositories,
// per_page=100), after folding what the previous page's repository children returned into the totals. A rate limit
// is answered with the seconds to wait, for the machine's Wait state, instead of an error.
import { sanitiseProperties } from "../chargeback/allocation.js";
import { addTotals, listRepositoriesEventSchema, type ListRepositoriesEvent, type ListRepositoriesOutput, type RepositoryItem } from "../backfill/contract.js";
import { PER_PAGE, rateLimitWait } from "../backfill/runs.js";
import { isRateLimited } from "../http-status.js";
import { withDeadline } from "../outbound.js";
import { firstIssue } from "../validation.js";
import { InvalidInputError, UpstreamError } from "../errors.js";
import { TASK_BUDGET_MS } from "./budget.js";
import { classify } from "./classify.js";
import { appOctokit, installationOctokit, SCOPES } from "../github/octokit.js";

type Visibility = RepositoryItem["visibility"];
const visibilityOf = (r: { private: boolean; visibility?: string }): Visibility =>
  r.visibility === "public" || r.visibility === "private" || r.visibility === "internal" ? r.visibility : r.private ? "private" : "public";

/**
 * A repository as its pricing children need it. Its custom properties (the cost centre) come with the listing when
 * GitHub includes them (`custom_properties`), read once per repository and carried to every attempt priced.
 */
function repositoryItem(r: { id: number; full_name: string; private: boolean; visibility?: string }): RepositoryItem {
  const customProperties = sanitiseProperties((r as { custom_properties?: unknown }).custom_properties);
  return { id: r.id, fullName: r.full_name, visibility: visibilityOf(r), ...(customProperties ? { customProperties } : {}) };
}

export function handler(event: unknown): Promise<ListRepositoriesOutput> {
  return withDeadline(TASK_BUDGET_MS.listing, () => listRepositories(event));
}

function rateLimited(err: unknown): number | undefined {
  if (!isRateLimited(err)) return undefined;
  const headers = (err as { response?: { headers?: Record<string, string | number | undefined> } }).response?.headers ?? {};
  return rateLimitWait(headers, Date.now());
}

async function listRepositories(event: unknown): Promise<ListRepositoriesOutput> {
  const parsed = listRepositoriesEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`list-repositories input: ${firstIssue(parsed.error)}`);
  const input: ListRepositoriesEvent = parsed.data;
  let totals = input.previous.reduce(addTotals, input.totals);
  let installationId = input.installationId;
  const out = (o: Partial<ListRepositoriesOutput>): ListRepositoriesOutput => ({
    installationId,
    repositories: [],
    page: input.page,
    done: true,
    waitSeconds: 0,
    totals,
    ...o,
  });
  if (input.page === null) return out({});

  if (installationId === null) {
    const app = await appOctokit();
    try {
      totals = addTotals(totals, { githubCalls: 1 });
      installationId = (await app.rest.apps.getOrgInstallation({ org: input.org })).data.id;
    } catch (err) {
      const wait = rateLimited(err);
      if (wait !== undefined) return out({ waitSeconds: wait, done: false });
      const e = classify(err, `the App's installation on ${input.org}`);
      throw e instanceof UpstreamError ? new UpstreamError(`${e.message}: is the App installed on ${input.org}?`, { cause: err }) : e;
    }
  }
  const octokit = await installationOctokit(installationId, SCOPES.repositories);
  try {
    totals = addTotals(totals, { githubCalls: 1 });
    if (input.repository) {
      const [owner, repo] = input.repository.split("/") as [string, string];
      const { data } = await octokit.rest.repos.get({ owner, repo });
      const repositories = [repositoryItem(data)];
      return out({ repositories, totals: addTotals(totals, { repositories: 1 }), page: null, done: true });
    }
    const { data } = await octokit.rest.apps.listReposAccessibleToInstallation({ per_page: PER_PAGE, page: input.page });
    const repositories = data.repositories.map(repositoryItem);
    const done = input.page * PER_PAGE >= data.total_count || repositories.length === 0;
    return out({ repositories, totals: addTotals(totals, { repositories: repositories.length }), page: done ? null : input.page + 1, done });
  } catch (err) {
    const wait = rateLimited(err);
    if (wait !== undefined) return out({ waitSeconds: wait, done: false });
    throw classify(err, input.repository ? `repository ${input.repository}` : `repositories of ${input.org} page ${input.page}`);
  }
}
