import * as z from "zod";
import { InvalidInputError } from "../errors.js";
import { UpstreamError } from "../errors.js";
import { notCurrentMember, orgMembershipState } from "../github/org-membership.js";
import { addToTeam, teamProblems } from "../github/team-membership.js";
import { withDeadline } from "../outbound.js";
import { memberItem, memberSummary, type MemberRecord } from "../records/member.js";
import type { TeamResult } from "../records/onboarding-input.js";
import { teamsFromRules } from "../teams/rules.js";
import { firstIssue } from "../validation.js";
import { TASK_BUDGET_MS } from "./budget.js";
import { classify } from "./classify.js";
import { installationOctokit, type Octokit, SCOPES } from "../github/octokit.js";
import { teamResultSchema } from "../records/onboarding-input.js";
import { ruleSchema } from "../teams/rule-schema.js";

/** What the member-onboarding machine passes after Enrich: the execution input and the enriched record. */
const inputSchema = z.object({
  org: z.string().min(1).max(100),
  installationId: z.number().int().positive(),
  member: z.object({ login: z.string().min(1).max(100) }),
  teams: z.array(teamResultSchema),
  teamProblems: z.array(z.string()),
  dryRun: z.boolean(),
  rules: z.array(ruleSchema).max(200).optional(),
  enriched: z.object({
    record: z.looseObject({ login: z.string(), org: z.string(), teams: z.array(teamResultSchema) }),
  }),
});

export type ApplyRulesInput = z.infer<typeof inputSchema>;

export interface ApplyRulesResult {
  record: MemberRecord;
  item: ReturnType<typeof memberItem>;
  summary: string;
  /** the joiner's team problems and those of the rules' teams, for the notification */
  teamProblems: string[];
}

/** The task Lambda's entry: its outbound calls share the task's time budget (app/tasks/budget.ts). */
export function handler(event: unknown): Promise<ApplyRulesResult> {
  return withDeadline(TASK_BUDGET_MS.applyTeamRules, () => applyRules(event));
}

/**
 * Adds an enriched member to the teams of the directory rules they match, with the joiner's statuses (added,
 * already_member, pending_invitation, team_not_found, failed, dry_run), and returns the record to store with
 * every team on it. No rule matching: no GitHub call at all.
 */
async function applyRules(event: unknown): Promise<ApplyRulesResult> {
  const parsed = inputSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`apply-team-rules input: ${firstIssue(parsed.error)}`);
  const input = parsed.data;
  const record = input.enriched.record as unknown as MemberRecord;
  // The teams the joiner's step already handled are not touched again.
  const handled = input.teams.map((t) => ({ slug: t.slug, role: t.role === "maintainer" ? ("maintainer" as const) : ("member" as const) }));
  const wanted = teamsFromRules(input.rules ?? [], record, handled);
  let results: TeamResult[] = [];
  if (wanted.length && input.dryRun) {
    results = wanted.map((t) => ({ slug: t.slug, role: t.role, status: "dry_run" as const, detail: "dryRun: no change made" }));
  } else if (wanted.length) {
    let octokit: Octokit;
    try {
      octokit = await installationOctokit(input.installationId, SCOPES.teamWrites);
    } catch (err) {
      throw classify(err, "installation token");
    }
    // Checked again right before the adds: the member may have left since the enrichment.
    const state = await orgMembershipState(octokit, input.org, input.member.login).catch((err: unknown) => {
      throw classify(err, `membership of ${input.member.login}`);
    });
    if (state === null) throw new UpstreamError(notCurrentMember(input.org, input.member.login));
    results = await Promise.all(wanted.map((t) => addToTeam(octokit, input.org, input.member.login, t)));
  }
  const fromRules = results.map((r) => ({ ...r, source: "rule" as const }));
  const full: MemberRecord = { ...record, teams: [...(record.teams ?? []), ...fromRules] };
  return { record: full, item: memberItem(full), summary: memberSummary(full), teamProblems: [...input.teamProblems, ...teamProblems(fromRules)] };
}
