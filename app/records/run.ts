// Pure shapes of the workflow-run-cost data: the machine's input, the run record, the run-seen marker and the
// totals updates. No I/O: the price-run task builds these, the state machine writes them, the CLIs read them back.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import * as z from "zod";
import { customPropertiesSchema, workflowFile, type Allocation, type CustomProperties } from "../chargeback/allocation.js";
import { UNALLOCATED } from "../chargeback/settings.js";
import { formatUsd } from "../pricing/price.js";
import type { PricedAttempt, PricedJob } from "../pricing/types.js";

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
  }),
});

export type RunCostInput = z.infer<typeof runCostInputSchema>;

type Item = Record<string, AttributeValue>;

/** At most this many flagged jobs are kept on a record: a matrix of hundreds must stay far below the 256 KiB limit. */
export const MAX_FLAGGED_JOBS = 20;

/** Unknown label sets added to a totals item per attempt (the run record keeps up to 50). */
export const MAX_TOTALS_LABELS = 10;

// Flat attribute prefixes on totals items: ADD cannot create a path inside a map, so each SKU gets its own attribute.
export const SKU_MINUTES_PREFIX = "skuMinutes_";
export const SKU_COST_PREFIX = "skuCostMicros_";

/** GitHub logins and repository names are case-insensitive: keys are lower-cased so a rename of case is one repo. */
export function repoPk(fullName: string): string {
  return `REPO#${fullName.toLowerCase()}`;
}

export function orgAllTimeGsi(org: string): string {
  return `ORG#${org.toLowerCase()}#ALL`;
}

export function orgMonthGsi(org: string, month: string): string {
  return `ORG#${org.toLowerCase()}#MONTH#${month}`;
}

export function totalsSk(month?: string): string {
  return month === undefined ? "TOTALS" : `TOTALS#${month}`;
}

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
  return {
    pk: repoPk(input.repository.fullName),
    sk: `RUN#${completedAt}#${input.run.id}#${input.run.attempt}`,
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

/** gsi1 partition that lists an org's run records: how totals are rebuilt without a Scan. */
export function orgRunsGsi(org: string): string {
  return `ORG#${org.toLowerCase()}#RUNS`;
}

export function runItem(record: RunRecord): Item {
  return marshall({ ...record, gsi1pk: orgRunsGsi(record.org), gsi1sk: `${record.pk}#${record.sk}` }, { removeUndefinedValues: true });
}

/** Marks a run (all its attempts) as counted once in the runs total: pk REPO#..., sk RUNSEEN#<runId>. */
export function runSeenItem(record: RunRecord): Item {
  return marshall({ pk: record.pk, sk: `RUNSEEN#${record.runId}`, type: "runseen", runId: record.runId, countedWithAttempt: record.attempt });
}

export interface TotalsTarget {
  key: Item;
  /** ExpressionAttributeValues when this attempt is the first of its run to be recorded (:runs 1) */
  firstRun: Item;
  /** ... and when another attempt of the run was counted already (:runs 0) */
  repeatRun: Item;
}

export interface TotalsUpdate {
  updateExpression: string;
  names: Record<string, string>;
  allTime: TotalsTarget;
  monthly: TotalsTarget;
}

/**
 * The UpdateExpression that adds one attempt to a totals item, for the all-time (TOTALS) and the monthly
 * (TOTALS#<yyyy-mm>) item. Precomputed here because the state machine (JSONPath only) cannot build expressions.
 * Every attempt adds its minutes and cost (GitHub bills each attempt); only the first attempt seen adds a run.
 */
export function totalsUpdate(record: RunRecord): TotalsUpdate {
  const add = amountsAdded(record);
  const names: Record<string, string> = {
    "#type": "type",
    "#org": "org",
    "#repository": "repository",
    "#period": "period",
    "#gsi1pk": "gsi1pk",
    "#gsi1sk": "gsi1sk",
    ...add.names,
  };
  const values: Record<string, unknown> = {
    ":type": "totals",
    ":org": record.org.toLowerCase(),
    ":repository": record.repository,
    ":gsi1sk": record.pk,
    ...add.values,
  };
  const updateExpression = `SET #type = :type, #org = :org, #repository = :repository, #period = :period, #gsi1pk = :gsi1pk, #gsi1sk = :gsi1sk ${add.expression}`;
  const target = (month: string | undefined): TotalsTarget => {
    const own = {
      ...values,
      ":period": month ?? "ALL",
      ":gsi1pk": month === undefined ? orgAllTimeGsi(record.org) : orgMonthGsi(record.org, month),
    };
    return {
      key: marshall({ pk: record.pk, sk: totalsSk(month) }),
      firstRun: marshall({ ...own, ":runs": 1 }),
      repeatRun: marshall({ ...own, ":runs": 0 }),
    };
  };
  return { updateExpression, names, allTime: target(undefined), monthly: target(record.month) };
}

/**
 * The ADD clause every aggregate of an attempt shares: runs (:runs, 1 for the first attempt of a run, else 0),
 * attempts, jobs, minutes, cost, unpriced minutes, minutes and cost per SKU, unknown label sets. Deterministic.
 */
export function amountsAdded(record: RunRecord, withLabels = true): { expression: string; names: Record<string, string>; values: Record<string, unknown> } {
  const names: Record<string, string> = {
    "#runs": "runs",
    "#attempts": "attempts",
    "#jobs": "jobs",
    "#minutes": "minutes",
    "#costMicros": "costMicros",
    "#unknownMinutes": "unknownMinutes",
  };
  const adds = ["#runs :runs", "#attempts :one", "#jobs :jobs", "#minutes :minutes", "#costMicros :costMicros", "#unknownMinutes :unknownMinutes"];
  const values: Record<string, unknown> = {
    ":one": 1,
    ":jobs": record.jobs,
    ":minutes": record.minutes,
    ":costMicros": record.costMicros,
    ":unknownMinutes": record.unknownMinutes,
  };
  // Sorted so the expression is deterministic for a given record.
  const skus = Object.entries(record.bySku)
    .filter(([, t]) => t.minutes > 0 || t.costMicros > 0)
    .sort(([a], [b]) => a.localeCompare(b));
  skus.forEach(([sku, t], i) => {
    names[`#sm${i}`] = `${SKU_MINUTES_PREFIX}${sku}`;
    names[`#sc${i}`] = `${SKU_COST_PREFIX}${sku}`;
    values[`:sm${i}`] = t.minutes;
    values[`:sc${i}`] = t.costMicros;
    adds.push(`#sm${i} :sm${i}`, `#sc${i} :sc${i}`);
  });
  if (withLabels && record.unknownLabels.length > 0) {
    // ADD on a string set is a union: the totals keep the distinct unknown label sets, for the admin to fix.
    // Capped per attempt so that odd, generated labels cannot grow a totals item towards DynamoDB's 400 KB.
    names["#unknownLabels"] = "unknownLabels";
    values[":unknownLabels"] = new Set(record.unknownLabels.slice(0, MAX_TOTALS_LABELS).map((l) => l.slice(0, 200)));
    adds.push("#unknownLabels :unknownLabels");
  }
  return { expression: `ADD ${adds.join(", ")}`, names, values };
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
  return line.replace(/[\r\n]+/g, " ");
}

/** A repository's totals read back from a TOTALS item (all-time or monthly). */
export interface RepoTotals {
  repository: string;
  period: string;
  runs: number;
  attempts: number;
  jobs: number;
  minutes: number;
  costMicros: number;
  unknownMinutes: number;
  unknownLabels: string[];
  bySku: Record<string, { minutes: number; costMicros: number }>;
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** Parses an unmarshalled totals item; the flat per-SKU attributes become `bySku`. */
export function totalsFromItem(item: Record<string, unknown>): RepoTotals {
  const bySku: RepoTotals["bySku"] = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(SKU_MINUTES_PREFIX)) {
      const sku = name.slice(SKU_MINUTES_PREFIX.length);
      (bySku[sku] ??= { minutes: 0, costMicros: 0 }).minutes = num(value);
    } else if (name.startsWith(SKU_COST_PREFIX)) {
      const sku = name.slice(SKU_COST_PREFIX.length);
      (bySku[sku] ??= { minutes: 0, costMicros: 0 }).costMicros = num(value);
    }
  }
  const labels = item.unknownLabels;
  const pk = typeof item.pk === "string" ? item.pk.replace(/^REPO#/, "") : "";
  return {
    repository: typeof item.repository === "string" ? item.repository : pk,
    period: typeof item.period === "string" ? item.period : "ALL",
    runs: num(item.runs),
    attempts: num(item.attempts),
    jobs: num(item.jobs),
    minutes: num(item.minutes),
    costMicros: num(item.costMicros),
    unknownMinutes: num(item.unknownMinutes),
    unknownLabels: labels instanceof Set ? [...(labels as Set<string>)].sort() : Array.isArray(labels) ? labels.map(String).sort() : [],
    bySku,
  };
}
