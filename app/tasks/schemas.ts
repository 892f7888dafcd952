import * as z from "zod";
import type { TeamRule } from "../config/schema.js";
import type { TeamResult } from "../records/onboarding-input.js";

/** Contracts shared by the task Lambdas: what the machines pass them, checked before anything is done. */
const slug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/);
export const teamSpecSchema = z.object({ slug, role: z.enum(["member", "maintainer"]) });

export const teamResultSchema = z.object({
  slug: z.string(),
  role: z.string(),
  status: z.enum(["added", "already_member", "pending_invitation", "team_not_found", "failed", "dry_run"]),
  detail: z.string().optional(),
  source: z.literal("rule").optional(),
}) satisfies z.ZodType<TeamResult>;

export const ruleSchema = z.object({
  when: z.record(z.string(), z.array(z.string()).min(1)),
  teams: z.array(teamSpecSchema).min(1),
}) satisfies z.ZodType<TeamRule>;
