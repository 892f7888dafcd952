import type { ProbotOctokit } from "probot";
import type { TeamSpec } from "../config/schema.js";
import { describeCallFailure, httpStatusOf } from "../http-status.js";
import type { TeamResult } from "../records/onboarding-input.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

// Each call's timeout and retries come from the delivery's deadline (app/webhook/github-calls.ts), which ends
// early enough for the execution to start and carry a team that could not be changed in time as a team problem.

function describe(err: unknown): string {
  const code = httpStatusOf(err);
  if (code) return `GitHub answered HTTP ${code}`;
  return describeCallFailure(err);
}

/** Adds one member to one team. An existing membership is success and is left as it is (no role change). */
export async function addToTeam(octokit: Octokit, org: string, login: string, team: TeamSpec): Promise<TeamResult> {
  return (await addToTeamOutcome(octokit, org, login, team)).result;
}

/**
 * addToTeam, saying also whether a failure may pass if tried again (GitHub answered 5xx or 429, or did not answer):
 * a task that can be retried by its machine throws for those instead of reporting them.
 */
export async function addToTeamOutcome(octokit: Octokit, org: string, login: string, team: TeamSpec): Promise<{ result: TeamResult; retryable: boolean }> {
  const base = { slug: team.slug, role: team.role };
  const failed = (err: unknown, detail = describe(err)) => {
    const code = httpStatusOf(err);
    return { result: { ...base, status: "failed" as const, detail }, retryable: code === undefined || code >= 500 || code === 429 };
  };
  try {
    const current = await octokit.rest.teams.getMembershipForUserInOrg({
      org,
      team_slug: team.slug,
      username: login,
    });
    return { result: { ...base, status: current.data.state === "pending" ? "pending_invitation" : "already_member" }, retryable: false };
  } catch (err) {
    if (httpStatusOf(err) !== 404) return failed(err);
  }
  try {
    const res = await octokit.rest.teams.addOrUpdateMembershipForUserInOrg({
      org,
      team_slug: team.slug,
      username: login,
      role: team.role,
    });
    return { result: { ...base, status: res.data.state === "pending" ? "pending_invitation" : "added" }, retryable: false };
  } catch (err) {
    if (httpStatusOf(err) === 404) return { result: { ...base, status: "team_not_found", detail: `no team '${team.slug}' in ${org}` }, retryable: false };
    return failed(err);
  }
}

/** What a dry run reports for each team: nothing changed. */
export function dryRunResults(teams: TeamSpec[]): TeamResult[] {
  return teams.map((t) => ({ slug: t.slug, role: t.role, status: "dry_run" as const, detail: "dryRun: no change made" }));
}

/** All teams at once; one team's failure never stops the others. */
export async function addToTeams(octokit: Octokit, org: string, login: string, teams: TeamSpec[], dryRun: boolean): Promise<TeamResult[]> {
  if (dryRun) return dryRunResults(teams);
  return Promise.all(teams.map((t) => addToTeam(octokit, org, login, t)));
}

export function teamProblems(results: TeamResult[]): string[] {
  return results.filter((r) => r.status === "team_not_found" || r.status === "failed").map((r) => `${r.slug}: ${r.status}${r.detail ? ` (${r.detail})` : ""}`);
}
