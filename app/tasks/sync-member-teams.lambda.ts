import { InvalidInputError, TransientError } from "../errors.js";
import { notCurrentMember, orgMembershipState } from "../github/org-membership.js";
import { addToTeamOutcome, dryRunResults, teamProblems } from "../github/team-membership.js";
import { withDeadline } from "../outbound.js";
import type { TeamResult } from "../records/onboarding-input.js";
import { syncMemberTaskSchema } from "../teams/sync-input.js";
import { firstIssue } from "../validation.js";
import { TASK_BUDGET_MS } from "./budget.js";
import { classify } from "./classify.js";
import { installationOctokit, type Octokit, SCOPES } from "../github/octokit.js";

export interface SyncMemberResult {
  login: string;
  teams: TeamResult[];
  /** the teams' problems as a joiner's record keeps them */
  teamProblems: string[];
  /** memberships this call added */
  added: number;
  githubCalls: number;
}

/** The task Lambda's entry: its outbound calls share the task's time budget (app/tasks/budget.ts). */
export function handler(event: unknown): Promise<SyncMemberResult> {
  return withDeadline(TASK_BUDGET_MS.syncMemberTeams, () => syncMember(event));
}

/**
 * team-sync and member-backfill-page task: adds one member to the teams they miss, with the joiner's statuses. Add-only: an existing
 * membership or a pending invitation is left as it is, so a repeated item changes nothing. An add GitHub may take if
 * asked again (5xx, 429, no answer) fails the call as TransientError, so that the machine retries it; the machine's
 * last call, after its retries (`retry: false`), reports it as failed instead.
 */
async function syncMember(event: unknown): Promise<SyncMemberResult> {
  const parsed = syncMemberTaskSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`sync-member-teams input: ${firstIssue(parsed.error)}`);
  const { org, installationId, login, teams, retry, dryRun } = parsed.data;
  if (dryRun) return { login, teams: dryRunResults(teams), teamProblems: [], added: 0, githubCalls: 0 };
  let octokit: Octokit;
  try {
    octokit = await installationOctokit(installationId, SCOPES.teamWrites);
  } catch (err) {
    throw classify(err, "installation token");
  }
  let state: Awaited<ReturnType<typeof orgMembershipState>>;
  try {
    state = await orgMembershipState(octokit, org, login);
  } catch (err) {
    throw classify(err, `membership of ${login}`);
  }
  // A stored member who has left since the plan was made is added to nothing.
  if (state === null) {
    const failed = teams.map((t) => ({ slug: t.slug, role: t.role, status: "failed" as const, detail: notCurrentMember(org, login) }));
    return { login, teams: failed, teamProblems: teamProblems(failed), added: 0, githubCalls: 1 };
  }
  const outcomes = await Promise.all(teams.map((t) => addToTeamOutcome(octokit, org, login, t)));
  const again = outcomes.filter((o) => o.retryable);
  if (retry !== false && again.length > 0)
    throw new TransientError(`team adds of ${login} to try again: ${again.map((o) => `${o.result.slug} (${o.result.detail ?? "failed"})`).join(", ")}`);
  const results = outcomes.map((o) => o.result);
  // the membership check, then a read and at most one add per team
  return {
    login,
    teams: results,
    teamProblems: teamProblems(results),
    added: results.filter((r) => r.status === "added").length,
    githubCalls: 1 + 2 * teams.length,
  };
}
