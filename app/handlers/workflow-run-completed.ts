import type { Context } from "probot";
import * as z from "zod";
import type { Deadline } from "../deadline.js";
import { runExecutionName } from "../dispatch/execution-name.js";
import { startExecution } from "../dispatch/start-execution.js";
import { sanitiseProperties } from "../chargeback/allocation.js";
import { runCostInputSchema, runFactsOf, type RunCostInput } from "../records/run-input.js";
import { firstIssue } from "../validation.js";

// Only the fields the machine needs. Everything else in the (large) payload is ignored, so GitHub adding or
// dropping unrelated fields cannot break the handler.
const payloadSchema = z.object({
  action: z.literal("completed"),
  installation: z.object({ id: z.number().int().positive() }),
  organization: z.object({ login: z.string() }).nullish(),
  repository: z.object({
    id: z.number().int().positive(),
    full_name: z.string(),
    private: z.boolean(),
    visibility: z.enum(["public", "private", "internal"]).optional(),
    owner: z.object({ login: z.string() }),
    /** the repository's custom properties (the cost centre); checked field by field in sanitiseProperties */
    custom_properties: z.unknown().optional(),
  }),
  workflow_run: z.object({
    id: z.number().int().positive(),
    run_attempt: z.number().int().positive(),
    name: z.string().nullish(),
    path: z.string().nullish(),
    event: z.string(),
    head_branch: z.string().nullish(),
    actor: z.object({ login: z.string() }).nullish(),
    conclusion: z.string().nullish(),
    run_started_at: z.string().nullish(),
    updated_at: z.string(),
    pull_requests: z.array(z.unknown()).nullish(),
  }),
});

/** The numbers of workflow_run.pull_requests: positive integers only, distinct, sorted, at most 10 (an odd item is skipped). */
function pullRequestNumbers(raw: unknown[] | null | undefined): number[] {
  const numbers = (raw ?? []).map((p) => (p !== null && typeof p === "object" ? (p as { number?: unknown }).number : undefined));
  const ok = numbers.filter((n): n is number => typeof n === "number" && Number.isSafeInteger(n) && n > 0);
  return [...new Set(ok)].sort((a, b) => a - b).slice(0, 10);
}

/** The execution input from a payload, or the reason it cannot be used. Pure and deterministic (no clock). */
export function runCostInput(payload: unknown): { ok: true; input: RunCostInput } | { ok: false; reason: string } {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) return { ok: false, reason: firstIssue(parsed.error) };
  const { installation, organization, repository, workflow_run: run } = parsed.data;
  const candidate: RunCostInput = {
    installationId: installation.id,
    org: organization?.login ?? repository.owner.login,
    repository: {
      fullName: repository.full_name,
      id: repository.id,
      // Older payloads and GHES may lack `visibility`: `private` alone cannot say internal, which bills like private.
      visibility: repository.visibility ?? (repository.private ? "private" : "public"),
    },
    run: { ...runFactsOf(run), attempt: run.run_attempt },
  };
  // Only when the payload has some: the input of a payload without them is what it always was.
  const properties = sanitiseProperties(repository.custom_properties);
  if (properties) candidate.repository.customProperties = properties;
  const pullRequests = pullRequestNumbers(run.pull_requests);
  if (pullRequests.length) candidate.run.pullRequests = pullRequests;
  // The same schema the price-run task applies: a payload it would refuse is refused here, with a log line.
  const checked = runCostInputSchema.safeParse(candidate);
  if (!checked.success) return { ok: false, reason: firstIssue(checked.error) };
  return { ok: true, input: checked.data };
}

/**
 * workflow_run.completed: hand the run attempt to the workflow-run-cost machine. No GitHub call here (the webhook
 * must answer within 10 s); the execution name is (run id, attempt), so a redelivery is refused by Step Functions
 * and still answered 2xx.
 */
export async function onWorkflowRunCompleted(context: Context<"workflow_run.completed">, deadline: Deadline): Promise<void> {
  const result = runCostInput(context.payload);
  if (!result.ok) {
    context.log.info({ event: "workflow_run.completed", delivery: context.id, reason: result.reason }, "workflow run payload not usable: ignored");
    return;
  }
  const { input } = result;
  const log = context.log.child({ repository: input.repository.fullName, runId: input.run.id, attempt: input.run.attempt, delivery: context.id });
  const name = runExecutionName(input.repository.fullName, input.run.id, input.run.attempt);
  const started = await startExecution("workflowRunCost", name, input, deadline);
  log.info({ execution: started.name, started: started.started }, started.started ? "run costing started" : "run costing already started for this attempt");
}
