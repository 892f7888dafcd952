// The priced jobs a run record keeps, for the per-job and per-pull-request views. Bounded: a 250-job matrix must
// leave the record far below DynamoDB's 400 KB item limit and the price-run output (which carries the record twice,
// once per recording variant) far below Step Functions' 256 KiB state limit. So the list is one compact JSON string
// of at most MAX_JOB_LIST_BYTES; jobs that do not fit are summed into `omitted`, so the kept jobs and the omitted
// sums always add up to the record's totals. Pure.
import * as z from "zod";
import type { PricedJob } from "../pricing/types.js";

/** UTF-8 bytes of the job list at most: 250 jobs with ordinary names fit; a pathological matrix is cut here. */
export const MAX_JOB_LIST_BYTES = 24 * 1024;
/** Pull requests a run record keeps (workflow_run.pull_requests; GitHub lists the open PRs of the head branch). */
export const MAX_PULL_REQUESTS = 10;

const NAME_CHARS = 100;
const LABEL_CHARS = 100;

/**
 * As stored: the distinct label sets, SKUs and reasons once each (a matrix repeats them), and per job a tuple
 * [name, label set index, SKU index, minutes, micro-dollars, reason index or -1].
 */
const storedSchema = z.object({
  labels: z.array(z.string()),
  skus: z.array(z.string()),
  reasons: z.array(z.string()),
  jobs: z.array(z.tuple([z.string(), z.number().int(), z.number().int(), z.number().int().nonnegative(), z.number().int().nonnegative(), z.number().int()])),
});
type Stored = z.infer<typeof storedSchema>;

export interface RecordedJob {
  name: string;
  labels: string;
  sku: string;
  minutes: number;
  costMicros: number;
  reason?: string;
}

export interface OmittedJobs {
  jobs: number;
  minutes: number;
  costMicros: number;
}

// Job names come from workflow files and labels from runs-on: one line, capped.
function clip(text: string, max: number): string {
  return text.replace(/\p{Cc}+/gu, " ").slice(0, max);
}

function indexIn(list: string[], value: string): { index: number; added: number } {
  const at = list.indexOf(value);
  if (at >= 0) return { index: at, added: 0 };
  list.push(value);
  return { index: list.length - 1, added: Buffer.byteLength(JSON.stringify(value), "utf8") + 1 };
}

/** The job list to keep (a JSON string) and the sums of the jobs left out. Dearest first, so the cut drops cheap jobs. */
export function jobList(jobs: readonly PricedJob[]): { json: string; omitted: OmittedJobs } {
  const order = [...jobs].sort((a, b) => b.costMicros - a.costMicros || b.minutes - a.minutes || a.id - b.id);
  const stored: Stored = { labels: [], skus: [], reasons: [], jobs: [] };
  const omitted: OmittedJobs = { jobs: 0, minutes: 0, costMicros: 0 };
  let bytes = Buffer.byteLength(JSON.stringify(stored), "utf8");
  for (const j of order) {
    const name = clip(j.name ?? `job ${j.id}`, NAME_CHARS);
    const labels = clip((j.labels ?? []).join(","), LABEL_CHARS);
    const reason = !j.billable && j.reason !== undefined ? clip(j.reason, 100) : undefined;
    // Measure before committing: a job that does not fit leaves the dictionaries as they were.
    const trial: Stored = { labels: [...stored.labels], skus: [...stored.skus], reasons: [...stored.reasons], jobs: [] };
    const l = indexIn(trial.labels, labels);
    const s = indexIn(trial.skus, j.sku);
    const r = reason === undefined ? { index: -1, added: 0 } : indexIn(trial.reasons, reason);
    const tuple: Stored["jobs"][number] = [name, l.index, s.index, j.minutes, j.costMicros, r.index];
    const size = Buffer.byteLength(JSON.stringify(tuple), "utf8") + 1 + l.added + s.added + r.added;
    if (bytes + size > MAX_JOB_LIST_BYTES) {
      omitted.jobs += 1;
      omitted.minutes += j.minutes;
      omitted.costMicros += j.costMicros;
      continue;
    }
    bytes += size;
    stored.labels = trial.labels;
    stored.skus = trial.skus;
    stored.reasons = trial.reasons;
    stored.jobs.push(tuple);
  }
  return { json: JSON.stringify(stored), omitted };
}

/** The jobs kept on a record, read back; a record made before jobs were kept, or a damaged list, has none. */
export function jobsOfRecord(record: { jobList?: string }): RecordedJob[] {
  if (typeof record.jobList !== "string") return [];
  let raw: unknown;
  try {
    raw = JSON.parse(record.jobList);
  } catch {
    return [];
  }
  const parsed = storedSchema.safeParse(raw);
  if (!parsed.success) return [];
  const { labels, skus, reasons, jobs } = parsed.data;
  return jobs.map(([name, l, s, minutes, costMicros, r]) => {
    const job: RecordedJob = { name, labels: labels[l] ?? "", sku: skus[s] ?? "unknown", minutes, costMicros };
    const reason = reasons[r];
    if (reason !== undefined) job.reason = reason;
    return job;
  });
}
