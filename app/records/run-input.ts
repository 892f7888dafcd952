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

/**
 * A workflow run as GitHub gives it, in the webhook's `workflow_run` and in list-workflow-runs' items alike: the
 * fields the pricing input is built from.
 */
export interface GitHubRun {
  id: number;
  name?: string | null;
  path?: string | null;
  event: string;
  head_branch?: string | null;
  actor?: { login: string } | null;
  conclusion?: string | null;
  run_attempt?: number | null;
  run_started_at?: string | null;
  updated_at: string;
}

/** The run facts of the pricing input (all but the attempt and the pull requests): the one mapping from GitHub's run. */
export function runFactsOf(run: GitHubRun): Omit<RunCostInput["run"], "attempt" | "pullRequests"> {
  return {
    id: run.id,
    name: run.name ?? null,
    path: run.path ?? null,
    event: run.event,
    headBranch: run.head_branch ?? null,
    actor: run.actor?.login ?? null,
    conclusion: run.conclusion ?? null,
    runStartedAt: run.run_started_at ?? null,
    updatedAt: run.updated_at,
  };
}
