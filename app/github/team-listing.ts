import type { ProbotOctokit } from "probot";
import { httpStatusOf } from "../http-status.js";
import type { TeamState } from "../teams/drift.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/**
 * A team's members and pending invitations, as GitHub lists them (100 a page). null when the org has no such team.
 * Invitations by email (no login yet) cannot be matched to a member and are left out.
 */
export async function teamState(octokit: Octokit, org: string, slug: string): Promise<TeamState | null> {
  try {
    const members = await octokit.paginate(octokit.rest.teams.listMembersInOrg, { org, team_slug: slug, per_page: 100 });
    const invitations = await octokit.paginate(octokit.rest.teams.listPendingInvitationsInOrg, { org, team_slug: slug, per_page: 100 });
    return {
      members: new Set(members.map((m) => m.login.toLowerCase())),
      pending: new Set(invitations.flatMap((i) => (i.login ? [i.login.toLowerCase()] : []))),
    };
  } catch (err) {
    if (httpStatusOf(err) === 404) return null;
    throw err;
  }
}
