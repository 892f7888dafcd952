// Pure logic of the run listing: windows under GitHub's 1,000-result cap, the page cursor, and the run items handed
// to the pricing children. No I/O: app/tasks/list-runs.lambda.ts calls GitHub and applies these.
import { runExecutionName } from "../dispatch/execution-name.js";
import { runFactsOf, type GitHubRun } from "../records/run-input.js";
import type { AttemptItem, RunFacts, RunsCursor } from "./contract.js";

/** GitHub returns at most 1,000 results for a filtered list of workflow runs (`created`, `status`), whatever total_count says. */
export const SEARCH_CAP = 1000;
export const PER_PAGE = 100;
/** A page child prices at most this many attempts, which bounds its history (see test/backfill-bounds.test.ts). */
export const MAX_ATTEMPTS_PER_PAGE = 500;
/** ... and hands its Map at most this much run data (Step Functions' limit is 256 KiB). */
export const MAX_PAGE_BYTES = 128 * 1024;
/** Parts are sized for this many runs each, under the cap, so that a part rarely needs a second split. */
const RUNS_PER_PART = 800;

const toSeconds = (iso: string): number => Date.parse(iso) / 1000;
export const isoSecond = (s: number): string => new Date(s * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

/** The `created` qualifier for a window: both ends inclusive. */
export function createdQualifier([from, to]: [string, string]): string {
  return `${from}..${to}`;
}

/**
 * Splits a window whose filtered listing has more results than GitHub returns into consecutive parts sized for
 * RUNS_PER_PART each (assuming runs spread evenly; a part that is still too large is split again when listed).
 * A window of one second cannot be split: undefined.
 */
export function splitWindow([from, to]: [string, string], totalCount: number): Array<[string, string]> | undefined {
  const a = toSeconds(from);
  const b = toSeconds(to);
  const span = b - a + 1;
  if (span < 2) return undefined;
  const parts = Math.min(span, Math.max(2, Math.ceil(totalCount / RUNS_PER_PART)));
  const out: Array<[string, string]> = [];
  for (let i = 0; i < parts; i++) {
    const start = a + Math.floor((i * span) / parts);
    const end = a + Math.floor(((i + 1) * span) / parts) - 1;
    out.push([isoSecond(start), isoSecond(end)]);
  }
  return out;
}

/** The cursor after the current page was fully handed out: the next page of this window, or the next window. */
export function nextPage(cursor: RunsCursor, totalCount: number): RunsCursor {
  const reachable = Math.min(totalCount, SEARCH_CAP);
  if (cursor.page * PER_PAGE < reachable) return { windows: cursor.windows, page: cursor.page + 1, skip: 0 };
  return { windows: cursor.windows.slice(1), page: 1, skip: 0 };
}

/** A workflow run as GitHub's list-workflow-runs returns it. */
export type ApiRun = GitHubRun;

/**
 * A run and its attempts as the pricing children need them. The latest attempt gets the run's own facts (as the
 * webhook's payload gives them); an earlier attempt is dated by the latest attempt's start and has no conclusion
 * of its own, because its details would cost one more call per attempt.
 */
export function runFacts(run: ApiRun): RunFacts {
  const latest = Math.max(1, run.run_attempt ?? 1);
  return { ...runFactsOf(run), latestAttempt: latest, earlierUpdatedAt: run.run_started_at ?? run.updated_at };
}

export function attemptItems(facts: RunFacts, index: number, repositoryFullName: string): AttemptItem[] {
  return Array.from({ length: facts.latestAttempt }, (_, i) => ({ n: i + 1, name: runExecutionName(repositoryFullName, facts.id, i + 1), r: index }));
}

/**
 * Takes runs from `runs` (starting at `skip`) while the attempts and bytes stay within one page child's bounds;
 * always at least one run (a run has at most 50 attempts on GitHub). `facts.length` is how many runs were taken.
 */
export function takeRuns(runs: ApiRun[], skip: number, repositoryFullName: string): { facts: RunFacts[]; attempts: AttemptItem[] } {
  const facts: RunFacts[] = [];
  const attempts: AttemptItem[] = [];
  let bytes = 0;
  for (const run of runs.slice(skip)) {
    const f = runFacts(run);
    const items = attemptItems(f, facts.length, repositoryFullName);
    const size = Buffer.byteLength(JSON.stringify(f)) + Buffer.byteLength(JSON.stringify(items));
    if (facts.length > 0 && (attempts.length + items.length > MAX_ATTEMPTS_PER_PAGE || bytes + size > MAX_PAGE_BYTES)) break;
    facts.push(f);
    attempts.push(...items);
    bytes += size;
  }
  return { facts, attempts };
}

/** Seconds to wait for a rate limit: until the reset GitHub gave (plus one), or Retry-After; 60 s if neither is known. */
export function rateLimitWait(headers: Record<string, string | number | undefined>, nowMs: number): number {
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter > 0) return Math.min(Math.ceil(retryAfter), 3600);
  const reset = Number(headers["x-ratelimit-reset"]);
  if (Number.isFinite(reset) && reset > 0) return Math.min(Math.max(1, Math.ceil(reset - nowMs / 1000) + 1), 3600);
  return 60;
}
