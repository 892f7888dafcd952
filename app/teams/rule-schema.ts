import * as z from "zod";
import type { TeamRule } from "../config/schema.js";

/**
 * Directory rules and team specs as they travel between the app, the machines and the tasks (already validated
 * from onboarding.yml by app/config/schema.ts, which gives the admin-facing messages).
 */
const slug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/);
export const teamSpecSchema = z.object({ slug, role: z.enum(["member", "maintainer"]) });

export const ruleSchema = z.object({
  when: z.record(z.string(), z.array(z.string()).min(1)),
  teams: z.array(teamSpecSchema).min(1),
}) satisfies z.ZodType<TeamRule>;
