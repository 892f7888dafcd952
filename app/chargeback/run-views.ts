// The views built from run records rather than totals: cost per pull request and cost per job (within one
// repository). GitHub's usage report has neither. Pure: app/cli/report.ts reads the records and prints the rows.
//
// - per pull request: a run is charged to the pull request it belongs to (workflow_run.pull_requests; when GitHub
//   lists several, the lowest number, so that nothing is counted twice); runs of no pull request (pushes,
//   schedules, runs of fork pull requests, which GitHub does not list) form one row. Every attempt is billed.
// - per job: one row per job name of the repository's runs; jobs a large matrix left off its record
//   (app/records/run-jobs.ts) form one row, so the rows still add up to the repository's total.
import { UNKNOWN_SKU } from "../pricing/sku.js";
import { jobsOfRecord, type RecordedJob } from "../records/run-jobs.js";
import type { RunRecord } from "../records/run.js";

export const RUN_VIEWS = ["pull-request", "job"] as const;
export type RunView = (typeof RUN_VIEWS)[number];

export const NO_PULL_REQUEST = "(no pull request)";
export const JOBS_NOT_KEPT = "(jobs not kept on the record)";

export interface RunViewRow {
  /** owner/name */
  repository: string;
  /** "#12", NO_PULL_REQUEST, a job name, or JOBS_NOT_KEPT */
  key: string;
  /** pull-request view: distinct runs and attempts; job view: job executions (attempts of the job) */
  runs: number;
  attempts: number;
  minutes: number;
  costMicros: number;
  /** job view: the SKUs the job ran on; pull-request view: the head branches */
  detail: string[];
  /** minutes that cost nothing, and why (free uses, public repository, self-hosted without a rate); unpriced minutes are not free */
  freeMinutes: number;
  freeReasons: string[];
}

type Rec = Pick<
  RunRecord,
  "repository" | "runId" | "attempt" | "minutes" | "costMicros" | "branch" | "pullRequests" | "jobList" | "jobListOmitted" | "freeUse"
>;

function add(rows: Map<string, RunViewRow & { runIds: Set<number> }>, repository: string, key: string): RunViewRow & { runIds: Set<number> } {
  const id = `${repository.toLowerCase()}\u0000${key}`;
  let row = rows.get(id);
  if (!row) {
    row = { repository, key, runs: 0, attempts: 0, minutes: 0, costMicros: 0, detail: [], freeMinutes: 0, freeReasons: [], runIds: new Set() };
    rows.set(id, row);
  }
  return row;
}

/** Minutes that cost nothing by GitHub's rules (or no fleet rate): not the unpriced ones, which are flagged instead. */
function isFree(j: RecordedJob): boolean {
  return j.minutes > 0 && j.costMicros === 0 && j.sku !== UNKNOWN_SKU && !(j.reason ?? "").startsWith("no rate");
}

function pushDistinct(list: string[], value: string | null | undefined): void {
  if (value && !list.includes(value) && list.length < 5) list.push(value);
}

function finish(rows: Map<string, RunViewRow & { runIds: Set<number> }>): RunViewRow[] {
  return [...rows.values()]
    .map(({ runIds: _, ...row }) => row)
    .sort((a, b) => b.costMicros - a.costMicros || a.repository.localeCompare(b.repository) || a.key.localeCompare(b.key));
}

/** Adds one amount to a row: its run counted once however many attempts or jobs it brings. */
function tally(row: RunViewRow & { runIds: Set<number> }, runId: number, amount: { attempts: number; minutes: number; costMicros: number }): void {
  if (!row.runIds.has(runId)) {
    row.runIds.add(runId);
    row.runs += 1;
  }
  row.attempts += amount.attempts;
  row.minutes += amount.minutes;
  row.costMicros += amount.costMicros;
}

/** One row per (repository, pull request). */
export function pullRequestRows(records: readonly Rec[]): RunViewRow[] {
  const rows = new Map<string, RunViewRow & { runIds: Set<number> }>();
  for (const r of records) {
    const pr = r.pullRequests?.length ? Math.min(...r.pullRequests) : undefined;
    const row = add(rows, r.repository, pr === undefined ? NO_PULL_REQUEST : `#${pr}`);
    tally(row, r.runId, { attempts: 1, minutes: r.minutes, costMicros: r.costMicros });
    pushDistinct(row.detail, r.branch);
    for (const j of jobsOfRecord(r)) {
      if (!isFree(j)) continue;
      row.freeMinutes += j.minutes;
      pushDistinct(row.freeReasons, j.reason);
    }
  }
  return finish(rows);
}

/** One row per (repository, job name); `runs` counts the runs a job ran in, `attempts` its executions. */
export function jobRows(records: readonly Rec[]): RunViewRow[] {
  const rows = new Map<string, RunViewRow & { runIds: Set<number> }>();
  for (const r of records) {
    for (const j of jobsOfRecord(r)) {
      const row = add(rows, r.repository, j.name);
      tally(row, r.runId, { attempts: 1, minutes: j.minutes, costMicros: j.costMicros });
      pushDistinct(row.detail, j.sku);
      if (isFree(j)) {
        row.freeMinutes += j.minutes;
        pushDistinct(row.freeReasons, j.reason);
      }
    }
    const omitted = r.jobListOmitted;
    // Records made before jobs were kept have no list at all: their whole amount is "not kept".
    const left = r.jobList === undefined ? { jobs: 1, minutes: r.minutes, costMicros: r.costMicros } : omitted;
    if (left && (left.jobs > 0 || left.minutes > 0 || left.costMicros > 0)) {
      const row = add(rows, r.repository, JOBS_NOT_KEPT);
      tally(row, r.runId, { attempts: left.jobs, minutes: left.minutes, costMicros: left.costMicros });
    }
  }
  return finish(rows);
}

export function runViewRows(view: RunView, records: readonly Rec[]): RunViewRow[] {
  return view === "pull-request" ? pullRequestRows(records) : jobRows(records);
}

/** The sum of the rows: integers, so it equals the records' total exactly. */
export function runViewTotal(rows: readonly RunViewRow[]): Pick<RunViewRow, "runs" | "attempts" | "minutes" | "costMicros" | "freeMinutes"> {
  return rows.reduce(
    (t, r) => ({
      runs: t.runs + r.runs,
      attempts: t.attempts + r.attempts,
      minutes: t.minutes + r.minutes,
      costMicros: t.costMicros + r.costMicros,
      freeMinutes: t.freeMinutes + r.freeMinutes,
    }),
    { runs: 0, attempts: 0, minutes: 0, costMicros: 0, freeMinutes: 0 },
  );
}
