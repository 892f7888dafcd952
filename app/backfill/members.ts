// The member backfill's contract: members who were in the org before the App was installed are onboarded by the
// member-onboarding machine as child executions, without one notification each (the backfill sends one for all).
import * as z from "zod";
import { onboardingInputSchema, type OnboardingInput } from "../records/onboarding-input.js";
import type { TeamSpec } from "../config/schema.js";

const login = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be a GitHub login");

/** The member-backfill execution's input, as `org-flows backfill --members` starts it. */
export const memberBackfillInputSchema = z.object({
  org: login,
  /** --teams: add every member to the configured teams (same config, exclusions and dry run as a joiner) */
  teams: z.boolean(),
  /** members onboarded at once */
  concurrency: z.number().int().min(1).max(40),
});
export type MemberBackfillInput = z.infer<typeof memberBackfillInputSchema>;

export const memberTotalsSchema = z.object({
  members: z.number().int().min(0),
  excluded: z.number().int().min(0),
  /** stored already (by a delivery or an earlier backfill): not onboarded again */
  stored: z.number().int().min(0),
  onboarded: z.number().int().min(0),
  /** team memberships added (with --teams) */
  teamAdds: z.number().int().min(0),
  failures: z.number().int().min(0),
  githubCalls: z.number().int().min(0),
});
export type MemberTotals = z.infer<typeof memberTotalsSchema>;
export const ZERO_MEMBER_TOTALS: MemberTotals = { members: 0, excluded: 0, stored: 0, onboarded: 0, teamAdds: 0, failures: 0, githubCalls: 0 };

export function addMemberTotals(a: MemberTotals, b: Partial<MemberTotals>): MemberTotals {
  const out = { ...a };
  for (const k of Object.keys(out) as Array<keyof MemberTotals>) out[k] += b[k] ?? 0;
  return out;
}

/** One member of a page, with the DynamoDB key the machine checks and the onboarding child's input. */
export interface MemberItem {
  id: number;
  key: { pk: { S: string }; sk: { S: string } };
  onboarding: OnboardingInput;
}

export const listMembersEventSchema = z.object({
  input: memberBackfillInputSchema,
  installationId: z.number().int().positive().nullable(),
  orgId: z.number().int().nullable(),
  /** the page to list, or null: only fold `previous` into the totals (after the last page) */
  page: z.number().int().positive().nullable(),
  totals: memberTotalsSchema,
  /** what the previous page's Map returned, one small object per member */
  previous: z.array(memberTotalsSchema.partial()),
  /** the backfill's execution name (the onboarding input's deliveryId) */
  backfill: z.string().min(1).max(80),
});
export type ListMembersEvent = z.infer<typeof listMembersEventSchema>;

export interface ListMembersOutput {
  installationId: number | null;
  orgId: number | null;
  members: MemberItem[];
  /** with --teams: the configured teams, added to each member by the machine's own step (or a dry run's results) */
  addTeams: TeamSpec[] | null;
  page: number | null;
  done: boolean;
  totals: MemberTotals;
}

export { onboardingInputSchema };
