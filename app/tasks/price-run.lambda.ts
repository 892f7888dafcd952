// Task Lambda of the workflow-run-cost machine: price every job of one run attempt the way GitHub bills it and
// return the transaction that records it (the run record, the run-seen marker and every aggregate, all or
// nothing). It writes nothing itself: the machine sends the transaction (aws-sdk:dynamodb:transactWriteItems).
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { allocate } from "../chargeback/allocation.js";
import { budgetChecks, type BudgetChecks } from "../chargeback/budgets.js";
import { DEFAULT_SETTINGS, type ChargebackSettings } from "../chargeback/settings.js";
import { chargebackConfigFor } from "../config/chargeback.js";
import { settingsKey } from "../records/keys.js";
import { formatProblem } from "../config/schema.js";
import { freeUseOf } from "../pricing/free-uses.js";
import { loadRateTable, priceAttempt } from "../pricing/price.js";
import { fleetRatesFrom } from "../pricing/self-hosted-rates.js";
import type { JobInput } from "../pricing/types.js";
import { recordingPlan, type RecordingPlan } from "../records/recording.js";
import { buildRunRecord, runSummary } from "../records/run.js";
import { runCostInputSchema, type RunCostInput } from "../records/run-input.js";
import { tableName } from "../store/table.js";
import { dynamoClient } from "../store/dynamo.js";
import { readItem, settingsChanged } from "../store/task-reads.js";
import { firstIssue } from "../validation.js";
import { withDeadline } from "../outbound.js";
import { TASK_BUDGET_MS } from "./budget.js";
import { ConfigurationError, InvalidInputError } from "../errors.js";
import { classify } from "./classify.js";
import { installationOctokit, type Octokit, runsOf, SCOPES } from "../github/octokit.js";
import { hostedRunnersFor, needsHostedRunners } from "./hosted-runners.js";

/** The Lambda's output, as the machine's ResultSelector reads it from `$.Payload`. */
export interface PriceRunOutput {
  /** the two ways to record the attempt (first of its run, or a repeat) as TransactWriteItems requests, and the keys */
  recording: RecordingPlan;
  summary: string;
  /** > 0 when some minutes could not be priced; the machine then notifies */
  unknownMinutes: number;
  /** the budgets this attempt touches: the machine reads their month-to-date once the attempt is recorded */
  budgets: BudgetChecks;
  /**
   * the org's chargeback settings as read now, remembered (newest read wins) for the report and --reallocate;
   * `changed` false when the remembered ones apply the same, and the machine then writes nothing
   */
  settings: { item: Record<string, AttributeValue>; values: Record<string, AttributeValue>; changed: boolean };
}

/** The item that remembers the settings the recording applied. */
export function settingsItem(org: string, settings: ChargebackSettings, source: string, readAt: string): Omit<PriceRunOutput["settings"], "changed"> {
  const item = marshall({ ...settingsKey(org), type: "chargebacksettings", org: org.toLowerCase(), source, readAt, settings: JSON.stringify(settings) });
  return { item, values: { ":readAt": { S: readAt } } };
}

/**
 * Whether the settings must be written: a read that fails says "changed" (the machine's conditional write then
 * settles it), so an unreachable table costs a transition, never a remembered setting.
 */
async function settingsToWrite(org: string, next: Omit<PriceRunOutput["settings"], "changed">): Promise<PriceRunOutput["settings"]> {
  try {
    const remembered = await readItem(dynamoClient(), tableName(), marshall(settingsKey(org)), ["settings", "source"]);
    return { ...next, changed: settingsChanged(remembered, next.item, JSON.stringify(DEFAULT_SETTINGS)) };
  } catch {
    return { ...next, changed: true };
  }
}

function parseInput(event: unknown): RunCostInput {
  const parsed = runCostInputSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(`price-run input: ${firstIssue(parsed.error)}`);
  }
  return parsed.data;
}

/** Every job of exactly this attempt (GET .../runs/{run_id}/attempts/{attempt}/jobs), all pages: matrices exceed 100. */
export async function listAttemptJobs(octokit: Octokit, input: RunCostInput): Promise<JobInput[]> {
  const [owner, repo] = input.repository.fullName.split("/") as [string, string];
  try {
    const jobs = await octokit.paginate(octokit.rest.actions.listJobsForWorkflowRunAttempt, {
      owner,
      repo,
      run_id: input.run.id,
      attempt_number: input.run.attempt,
      per_page: 100,
    });
    return jobs.map((j) => ({
      id: j.id,
      name: j.name,
      status: j.status,
      conclusion: j.conclusion,
      started_at: j.started_at,
      completed_at: j.completed_at,
      labels: j.labels,
      runner_name: j.runner_name,
      runner_group_name: j.runner_group_name,
      run_attempt: j.run_attempt,
    }));
  } catch (err) {
    throw classify(err, `jobs of ${input.repository.fullName} run ${input.run.id} attempt ${input.run.attempt}`);
  }
}

/** The task Lambda's entry: its outbound calls share the task's time budget (app/tasks/budget.ts). */
export function handler(event: unknown): Promise<PriceRunOutput> {
  return withDeadline(TASK_BUDGET_MS.priceRun, () => priceRun(event));
}

async function priceRun(event: unknown): Promise<PriceRunOutput> {
  const input = parseInput(event);
  const octokit = await installationOctokit(input.installationId, runsOf(input.repository.fullName.split("/")[1]!));
  const [config, jobs] = await Promise.all([
    chargebackConfigFor(await installationOctokit(input.installationId, SCOPES.config), input.org).catch((err: unknown) => {
      throw classify(err, `${input.org}/.github chargeback.yml`);
    }),
    listAttemptJobs(octokit, input),
  ]);
  // A broken override is the admin's to fix: not retried, the notification says which field.
  if (!config.ok) throw new ConfigurationError(formatProblem(config.error));
  const hostedRunners = needsHostedRunners(jobs)
    ? await hostedRunnersFor(await installationOctokit(input.installationId, SCOPES.hostedRunners), input.org).catch((err: unknown) => {
        throw classify(err, `hosted runners of ${input.org}`);
      })
    : [];
  const priced = priceAttempt(jobs, {
    visibility: input.repository.visibility,
    hostedRunners,
    rates: loadRateTable(config.override),
    freeUse: freeUseOf(input.run.path),
    selfHostedRates: fleetRatesFrom(config.settings.selfHosted),
  });
  const now = new Date();
  const allocation = allocate(input.repository.fullName, input.repository.customProperties, config.settings);
  const record = buildRunRecord(input, priced, config.override || config.settings.selfHosted ? config.source : "github", now, allocation);
  const summary = runSummary(record);
  return {
    recording: recordingPlan(record, tableName()),
    summary,
    unknownMinutes: record.unknownMinutes,
    budgets: budgetChecks(config.settings.budgets, {
      org: input.org,
      repository: record.repository,
      costCenter: allocation.costCenter,
      month: record.month,
      at: record.completedAt,
      attempt: `${record.repository} run ${record.runId} attempt ${record.attempt} (${record.workflowFile}, cost centre ${allocation.costCenter})`,
    }),
    settings: await settingsToWrite(input.org, settingsItem(input.org, config.settings, config.source, config.readAt ?? now.toISOString())),
  };
}
