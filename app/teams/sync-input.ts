import * as z from "zod";
import { teamSpecSchema } from "./rule-schema.js";

/** One member's missing teams, as the team-sync machine maps over them. */
export const syncMemberSchema = z.object({
  login: z.string().min(1).max(100),
  teams: z.array(teamSpecSchema).min(1).max(100),
});

/** The team-sync execution's input. Facts only: never a token. */
export const teamSyncInputSchema = z.object({
  org: z.string().min(1).max(39),
  installationId: z.number().int().positive(),
  /** how many team additions the plan holds (what maxChanges was checked against) */
  changes: z.number().int().nonnegative(),
  members: z.array(syncMemberSchema),
});

export type TeamSyncInput = z.infer<typeof teamSyncInputSchema>;

/** What the sync-member-teams task receives: one Map item, with the org and installation. */
export const syncMemberTaskSchema = syncMemberSchema.extend({
  org: z.string().min(1).max(39),
  installationId: z.number().int().positive(),
  /** false: the machine's last call after its retries; report a failure GitHub might still take instead of throwing */
  retry: z.boolean().optional(),
  /** true: onboarding.yml's dryRun: report what would be added, change nothing, call nothing */
  dryRun: z.boolean().optional(),
});
export type SyncMemberTask = z.infer<typeof syncMemberTaskSchema>;
