// The workflow-run-cost execution's input: the contract between the webhook handler (and the backfill), the state
// machine and the price-run task. Facts from the webhook only.
import * as z from "zod";
import { customPropertiesSchema } from "../chargeback/allocation.js";

const isoTimestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be an ISO 8601 timestamp");

/**
 * The workflow-run-cost execution's input (and the price-run task's). Facts from the webhook only: never a token,
 * never a receive time, so that a redelivered webhook produces the same input and is refused by name.
 */
export const runCostInputSchema = z.object({
  installationId: z.number().int().positive(),
  /** login of the account that owns the repository (an org, or a user for personal repositories) */
  org: z.string().min(1).max(100),
  repository: z.object({
    fullName: z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/name"),
    id: z.number().int().positive(),
    visibility: z.enum(["public", "private", "internal"]),
    /**
     * The repository's custom properties from the webhook payload (`repository.custom_properties`), for the
     * cost centre. Optional: older payloads, GHES and callers that have none leave it out (rules then apply).
     */
    customProperties: customPropertiesSchema.optional(),
  }),
  run: z.object({
    id: z.number().int().positive(),
    attempt: z.number().int().positive(),
    name: z.string().nullable(),
    path: z.string().nullable(),
    event: z.string(),
    headBranch: z.string().nullable(),
    actor: z.string().nullable(),
    conclusion: z.string().nullable(),
    runStartedAt: isoTimestamp.nullable(),
    /** when the attempt completed: the webhook's workflow_run.updated_at */
    updatedAt: isoTimestamp,
    /**
     * The numbers of the pull requests the run belongs to (workflow_run.pull_requests), for the per-pull-request
     * view. Optional: backfilled runs and older callers have none.
     */
    pullRequests: z.array(z.number().int().positive()).max(10).optional(),
  }),
});

export type RunCostInput = z.infer<typeof runCostInputSchema>;
