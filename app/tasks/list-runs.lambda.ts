// Task Lambda of the backfill-page machine: one page of a repository's completed runs in the window at the top of
// the cursor (GET /repos/{owner}/{repo}/actions/runs?status=completed&created=<from>..<to>&per_page=100). GitHub
// returns at most 1,000 results for such a filtered list: a window with more is split and its parts listed in turn.
// A rate limit is answered with the seconds to wait, for the machine's Wait state, instead of an error.
import { addTotals, listRunsEventSchema, type ListRunsEvent, type ListRunsOutput, type Progress, type Totals } from "../backfill/contract.js";
import { createdQualifier, nextPage, PER_PAGE, rateLimitWait, SEARCH_CAP, splitWindow, takeRuns, type ApiRun } from "../backfill/runs.js";
import { isRateLimited } from "../http-status.js";
import { withDeadline } from "../outbound.js";
import { firstIssue } from "../validation.js";
import { InvalidInputError } from "../errors.js";
import { TASK_BUDGET_MS } from "./budget.js";
import { classify } from "./classify.js";
import { installationOctokit, runsOf } from "../github/octokit.js";

export function handler(event: unknown): Promise<ListRunsOutput> {
  return withDeadline(TASK_BUDGET_MS.listing, () => listRuns(event));
}

async function listRuns(event: unknown): Promise<ListRunsOutput> {
  const parsed = listRunsEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`list-runs input: ${firstIssue(parsed.error)}`);
  const input: ListRunsEvent = parsed.data;
  const { cursor, seq } = input.progress;
  const result = (progress: Progress, o: Partial<ListRunsOutput> = {}): ListRunsOutput => ({
    facts: [],
    attempts: [],
    progress,
    done: progress.cursor.windows.length === 0,
    waitSeconds: 0,
    ...o,
  });
  const window = cursor.windows[0];
  if (!window) return result(input.progress);

  const octokit = await installationOctokit(input.installationId, runsOf(input.repository.fullName.split("/")[1]!));
  const [owner, repo] = input.repository.fullName.split("/") as [string, string];
  let totals: Totals = addTotals(input.progress.totals, { githubCalls: 1 });
  let data: { total_count: number; workflow_runs: ApiRun[] };
  try {
    ({ data } = await octokit.rest.actions.listWorkflowRunsForRepo({
      owner,
      repo,
      status: "completed",
      created: createdQualifier(window),
      per_page: PER_PAGE,
      page: cursor.page,
    }));
  } catch (err) {
    if (isRateLimited(err)) {
      const headers = (err as { response?: { headers?: Record<string, string | number | undefined> } }).response?.headers ?? {};
      return result({ cursor, totals, seq }, { waitSeconds: rateLimitWait(headers, Date.now()), done: false });
    }
    throw classify(err, `runs of ${input.repository.fullName} created ${createdQualifier(window)} page ${cursor.page}`);
  }

  // Split only when a window is first listed: a later page of it was reached because its first page fitted.
  if (data.total_count > SEARCH_CAP && cursor.page === 1 && cursor.skip === 0) {
    const parts = splitWindow(window, data.total_count);
    // This page is not used: its runs are listed again within the parts, each under the cap.
    if (parts) return result({ cursor: { windows: [...parts, ...cursor.windows.slice(1)], page: 1, skip: 0 }, totals, seq }, { done: false });
    totals = addTotals(totals, { unreachable: data.total_count - SEARCH_CAP });
  }

  const { facts, attempts } = takeRuns(data.workflow_runs, cursor.skip, input.repository.fullName);
  const taken = facts.length;
  totals = addTotals(totals, { runs: taken, attempts: attempts.length });
  const rest = cursor.skip + taken < data.workflow_runs.length;
  const next = rest ? { ...cursor, skip: cursor.skip + taken } : nextPage(cursor, data.total_count);
  const progress = { cursor: next, totals, seq };
  return result(progress, { facts, attempts });
}
