import * as z from "zod";
import { ruleSchema } from "../teams/rule-schema.js";

/** What happened to one team add: the same statuses in the webhook's answer, the record and the notification. */
export const TEAM_STATUSES = ["added", "already_member", "pending_invitation", "team_not_found", "failed", "dry_run"] as const;
export type TeamStatus = (typeof TEAM_STATUSES)[number];

export const teamResultSchema = z.object({
  slug: z.string().min(1).max(100),
  role: z.string().min(1).max(20),
  status: z.enum(TEAM_STATUSES),
  detail: z.string().max(1000).optional(),
  /** "rule": given by a directory rule of onboarding.yml (absent: the configured teams) */
  source: z.literal("rule").optional(),
});
export type TeamResult = z.infer<typeof teamResultSchema>;

/**
 * The member-onboarding execution's input: built by the webhook handler, checked by the enrich task before it acts.
 * Facts only: never a token.
 */
export const onboardingInputSchema = z.object({
  org: z.string().min(1).max(100),
  orgId: z.number().int(),
  installationId: z.number().int().positive(),
  member: z.object({ login: z.string().min(1).max(100), id: z.number().int(), type: z.string().optional(), role: z.string().optional() }),
  teams: z.array(teamResultSchema),
  teamProblems: z.array(z.string()),
  dryRun: z.boolean(),
  configSource: z.string(),
  /** The org's directory rules, applied after enrichment (absent or empty: none). */
  rules: z.array(ruleSchema).max(200).optional(),
  /** Present only when the org's configuration is invalid; the machine then fails with InvalidConfiguration. */
  configError: z.string().optional(),
  deliveryId: z.string().min(1),
  receivedAt: z.iso.datetime(),
  /** false: store without notifying (a member backfill notifies once for all); absent: notify, as for a joiner. */
  notify: z.boolean().optional(),
});
export type OnboardingInput = z.infer<typeof onboardingInputSchema>;
