// The run record: one priced attempt of a workflow run as stored, the run-seen marker, and the one-line summary used
// in notifications and logs. Pure: the price-run task builds these, the state machine writes them, the commands read
// them back.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { workflowFile, type Allocation, type CustomProperties } from "../chargeback/allocation.js";
import { UNALLOCATED } from "../chargeback/settings.js";
import { formatUsd } from "../pricing/price.js";
import type { PricedAttempt, PricedJob } from "../pricing/types.js";
import { orgRunsGsi, repoPk, runSeenSk, runSk } from "./keys.js";
import type { RunCostInput } from "./run-input.js";
import { jobList, MAX_PULL_REQUESTS, type OmittedJobs } from "./run-jobs.js";

type Item = Record<string, AttributeValue>;

/** At most this many flagged jobs are kept on a record: a matrix of hundreds must stay far below the 256 KiB limit. */
export const MAX_FLAGGED_JOBS = 20;

/** GitHub stamps seconds; the one textual form keeps RUN# sort keys in time order. */
export function isoSeconds(timestamp: string): string {
  return new Date(Date.parse(timestamp)).toISOString().replace(/\.000Z$/, "Z");
}

/** yyyy-mm of a timestamp, in UTC (billing months are UTC). */
export function utcMonth(timestamp: string): string {
  return new Date(Date.parse(timestamp)).toISOString().slice(0, 7);
}

export interface FlaggedJob {
  id: number;
  name?: string;
  sku: string;
  minutes: number;
  reason: string;
}

/** One priced attempt of a workflow run, as stored: pk REPO#<owner>/<repo>, sk RUN#<completedAt>#<runId>#<attempt>. */
export interface RunRecord {
  pk: string;
  sk: string;
  type: "run";
  org: string;
  repository: string;
  repositoryId: number;
  visibility: RunCostInput["repository"]["visibility"];
  runId: number;
  attempt: number;
  workflow: string | null;
  workflowPath: string | null;
  event: string;
  branch: string | null;
  actor: string | null;
  conclusion: string | null;
  runStartedAt: string | null;
  completedAt: string;
  month: string;
  jobs: number;
  minutes: number;
  costMicros: number;
  unknownMinutes: number;
  unknownLabels: string[];
  bySku: Record<string, { jobs: number; minutes: number; costMicros: number }>;
  /** jobs that could not be priced (unknown runner, no rate), at most MAX_FLAGGED_JOBS */
  flaggedJobs: FlaggedJob[];
  /** how many flagged jobs were left out of flaggedJobs */
  flaggedJobsOmitted: number;
  /** which rates priced it: "github" or the org's override file */
  rates: string;
  pricedAt: string;
  /** the cost centre the attempt is charged to, and how it was found (absent on records made before allocation) */
  costCenter?: string;
  allocatedBy?: Allocation["by"];
  /** the workflow file (`.github/workflows/ci.yml`), the key of the per-workflow totals */
  workflowFile?: string;
  /** the repository's custom properties when recorded, so that --reallocate can re-apply changed settings */
  customProperties?: CustomProperties;
  /** the pull requests the run belongs to (numbers, at most MAX_PULL_REQUESTS), for the per-pull-request view */
  pullRequests?: number[];
  /** the priced jobs, dearest first, as compact JSON (app/records/run-jobs.ts), for the per-job view */
  jobList?: string;
  /** the jobs left out of jobList, summed: kept plus omitted is the record's totals */
  jobListOmitted?: OmittedJobs;
  /** a free use of standard runners (Dependabot run, Pages build) and GitHub's reason, when the run is one */
  freeUse?: { kind: string; reason: string; minutes: number };
}

function flagged(jobs: PricedJob[]): { kept: FlaggedJob[]; omitted: number } {
  const all = jobs.filter((j) => j.unknown);
  const kept = all.slice(0, MAX_FLAGGED_JOBS).map((j) => {
    const f: FlaggedJob = { id: j.id, sku: j.sku, minutes: j.minutes, reason: j.reason ?? "unknown" };
    // Job names come from workflow files: cap them so a pathological matrix name cannot bloat the record.
    if (j.name !== undefined) f.name = j.name.slice(0, 200);
    return f;
  });
  return { kept, omitted: all.length - kept.length };
}

export function buildRunRecord(
  input: RunCostInput,
  priced: PricedAttempt,
  rates: string,
  now: Date,
  allocation: Allocation = { costCenter: UNALLOCATED, by: "none" },
): RunRecord {
  const completedAt = isoSeconds(input.run.updatedAt);
  const { kept, omitted } = flagged(priced.pricedJobs);
  const list = jobList(priced.pricedJobs);
  const free = priced.pricedJobs.filter((j) => j.freeUse !== undefined);
  const pullRequests = [...new Set(input.run.pullRequests ?? [])].sort((a, b) => a - b).slice(0, MAX_PULL_REQUESTS);
  return {
    pk: repoPk(input.repository.fullName),
    sk: runSk(completedAt, input.run.id, input.run.attempt),
    type: "run",
    org: input.org,
    repository: input.repository.fullName,
    repositoryId: input.repository.id,
    visibility: input.repository.visibility,
    runId: input.run.id,
    attempt: input.run.attempt,
    workflow: input.run.name,
    workflowPath: input.run.path,
    event: input.run.event,
    branch: input.run.headBranch,
    actor: input.run.actor,
    conclusion: input.run.conclusion,
    runStartedAt: input.run.runStartedAt === null ? null : isoSeconds(input.run.runStartedAt),
    completedAt,
    month: utcMonth(completedAt),
    jobs: priced.jobs,
    minutes: priced.minutes,
    costMicros: priced.costMicros,
    unknownMinutes: priced.unknownMinutes,
    unknownLabels: priced.unknownLabels.slice(0, 50),
    bySku: Object.fromEntries(Object.entries(priced.bySku).map(([sku, t]) => [sku, { jobs: t.jobs, minutes: t.minutes, costMicros: t.costMicros }])),
    flaggedJobs: kept,
    flaggedJobsOmitted: omitted,
    rates,
    pricedAt: now.toISOString(),
    costCenter: allocation.costCenter,
    allocatedBy: allocation.by,
    workflowFile: workflowFile(input.run.path),
    ...(input.repository.customProperties ? { customProperties: input.repository.customProperties } : {}),
    ...(pullRequests.length ? { pullRequests } : {}),
    jobList: list.json,
    jobListOmitted: list.omitted,
    ...(free.length ? { freeUse: { kind: free[0]!.freeUse!, reason: free[0]!.reason ?? "free", minutes: free.reduce((sum, j) => sum + j.minutes, 0) } } : {}),
  };
}

/** The cost centre of a record; records made before allocation existed count as unallocated. */
export function costCenterOf(record: Pick<RunRecord, "costCenter">): string {
  return record.costCenter ?? UNALLOCATED;
}

/** The workflow file of a record, also for records made before it was stored. */
export function workflowFileOf(record: Pick<RunRecord, "workflowFile" | "workflowPath">): string {
  return record.workflowFile ?? workflowFile(record.workflowPath);
}

export function runItem(record: RunRecord): Item {
  return marshall({ ...record, gsi1pk: orgRunsGsi(record.org), gsi1sk: `${record.pk}#${record.sk}` }, { removeUndefinedValues: true });
}

/** Marks a run (all its attempts) as counted once in the runs total: pk REPO#..., sk RUNSEEN#<runId>. */
export function runSeenItem(record: RunRecord): Item {
  return marshall({ pk: record.pk, sk: runSeenSk(record.runId), type: "runseen", runId: record.runId, countedWithAttempt: record.attempt });
}

/** One line for notifications and logs. */
export function runSummary(record: RunRecord): string {
  const skus = Object.entries(record.bySku)
    .filter(([, t]) => t.minutes > 0)
    .sort(([, a], [, b]) => b.costMicros - a.costMicros || b.minutes - a.minutes)
    .map(([sku, t]) => `${sku} ${t.minutes} min $${formatUsd(t.costMicros)}`);
  const what = `${record.repository} "${record.workflow ?? record.workflowPath ?? "workflow"}" run ${record.runId} attempt ${record.attempt}`;
  const facts = [record.event, record.branch, record.conclusion].filter((s): s is string => Boolean(s)).join(", ");
  let line = `${what} (${facts}): ${record.jobs} jobs, ${record.minutes} min, $${formatUsd(record.costMicros)} gross`;
  if (skus.length) line += ` [${skus.join("; ")}]`;
  if (record.unknownMinutes > 0) line += `; ${record.unknownMinutes} min on unpriced runners (${record.unknownLabels.join(" | ")})`;
  if (record.freeUse) line += `; ${record.freeUse.minutes} min free (${record.freeUse.reason})`;
  return line.replace(/[\r\n]+/g, " ");
}
