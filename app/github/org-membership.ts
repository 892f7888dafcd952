import type { ProbotOctokit } from "probot";
import { httpStatusOf } from "../http-status.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export type OrgMembershipState = "active" | "pending";

/**
 * The member's membership of the org as GitHub has it now (GET /orgs/{org}/memberships/{username}): active, pending
 * (invited), or null when they are not a member (404: left, removed, or never joined). A join is acted on only for a
 * current member: an old `member_added` (redelivered, swept or replayed after a leave) must add nobody. Other
 * failures throw, so that the caller's work is retried rather than guessed.
 */
export async function orgMembershipState(octokit: Octokit, org: string, login: string): Promise<OrgMembershipState | null> {
  try {
    const { data } = await octokit.rest.orgs.getMembershipForUser({ org, username: login });
    return data.state === "active" || data.state === "pending" ? data.state : null;
  } catch (err) {
    if (httpStatusOf(err) === 404) return null;
    throw err;
  }
}

/** The log line and error text for a join that is not acted on. */
export function notCurrentMember(org: string, login: string): string {
  return `${login} is not a current member of ${org} (left, removed, or an old delivery): nothing done`;
}
