// The data the backfill machines pass between their states and to their task Lambdas. Small by design: ids,
// cursors, counts and one page of runs at most, never a whole list (Step Functions caps state data at 256 KiB).
import { customPropertiesSchema } from "../chargeback/allocation.js";
import * as z from "zod";

const isoSecond = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, "must be an ISO 8601 UTC timestamp to the second");
const login = z.string().regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/, "must be a GitHub login");
const fullName = z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be owner/name");

/** How many children run at once: repositories per org, and attempts being priced per page. */
export const concurrencySchema = z.object({
  repositories: z.number().int().min(1).max(40),
  runs: z.number().int().min(1).max(40),
});

/** The backfill (org parent) execution's input, as the `backfill` command starts it. */
export const backfillInputSchema = z.object({
  org: login,
  /** inclusive window on the runs' `created` time */
  from: isoSecond,
  to: isoSecond,
  /** only this repository (owner/name), or every repository of the installation */
  repository: fullName.nullable(),
  concurrency: concurrencySchema,
});
export type BackfillInput = z.infer<typeof backfillInputSchema>;

export const totalsSchema = z.object({
  repositories: z.number().int().min(0),
  runs: z.number().int().min(0),
  attempts: z.number().int().min(0),
  /** GitHub calls the listing tasks made (the pricing children fetch job pages on their own) */
  githubCalls: z.number().int().min(0),
  /** runs beyond GitHub's 1,000-result cap in a window that could not be split further (a single second) */
  unreachable: z.number().int().min(0),
  /** repositories or pages where something failed (a failed pricing child, a repository child that failed) */
  failures: z.number().int().min(0),
});
export type Totals = z.infer<typeof totalsSchema>;

export const ZERO_TOTALS: Totals = { repositories: 0, runs: 0, attempts: 0, githubCalls: 0, unreachable: 0, failures: 0 };

export function addTotals(a: Totals, b: Partial<Totals>): Totals {
  return {
    repositories: a.repositories + (b.repositories ?? 0),
    runs: a.runs + (b.runs ?? 0),
    attempts: a.attempts + (b.attempts ?? 0),
    githubCalls: a.githubCalls + (b.githubCalls ?? 0),
    unreachable: a.unreachable + (b.unreachable ?? 0),
    failures: a.failures + (b.failures ?? 0),
  };
}

export const repositoryItemSchema = z.object({
  id: z.number().int().positive(),
  fullName,
  visibility: z.enum(["public", "private", "internal"]),
  /** the repository's custom properties from the listing, when GitHub includes them: the cost centre of its runs */
  customProperties: customPropertiesSchema.optional(),
});
export type RepositoryItem = z.infer<typeof repositoryItemSchema>;

/** list-repositories task: one page of the installation's repositories, and the fold of the previous page's children. */
export const listRepositoriesEventSchema = z.object({
  org: login,
  repository: fullName.nullable(),
  /** null until the first call resolved the org's installation */
  installationId: z.number().int().positive().nullable(),
  /** the page to list, or null: only fold `previous` (after the last page) */
  page: z.number().int().positive().nullable(),
  totals: totalsSchema,
  /** what each repository child of the previous page returned */
  previous: z.array(totalsSchema.partial()).max(100),
});
export type ListRepositoriesEvent = z.infer<typeof listRepositoriesEventSchema>;

export interface ListRepositoriesOutput {
  /** null only when the installation lookup itself was rate-limited */
  installationId: number | null;
  repositories: RepositoryItem[];
  /** the page that was asked for again after a rate-limit wait, or the next one */
  page: number | null;
  /** no page after this one */
  done: boolean;
  /** > 0: GitHub's rate limit was hit; wait this long, then ask for the same page */
  waitSeconds: number;
  totals: Totals;
}

/** Where a repository's listing stands: a stack of windows still to list, the page of the first, runs already taken. */
export const runsCursorSchema = z.object({
  windows: z.array(z.tuple([isoSecond, isoSecond])).max(200),
  page: z.number().int().positive(),
  /** runs of this page already handed out (a page whose attempts did not fit one page child) */
  skip: z.number().int().min(0).max(99),
});
export type RunsCursor = z.infer<typeof runsCursorSchema>;

export const progressSchema = z.object({
  cursor: runsCursorSchema,
  totals: totalsSchema,
  /** page children started so far: names the next one */
  seq: z.number().int().min(0),
});
export type Progress = z.infer<typeof progressSchema>;

/** list-runs task: one page of a repository's completed runs in the window at the top of the cursor. */
export const listRunsEventSchema = z.object({
  installationId: z.number().int().positive(),
  repository: repositoryItemSchema,
  progress: progressSchema,
});
export type ListRunsEvent = z.infer<typeof listRunsEventSchema>;

/** What a run attempt's workflow-run-cost child is built from (app/records/run-input.ts RunCostInput's `run`). */
export interface RunFacts {
  id: number;
  latestAttempt: number;
  name: string | null;
  path: string | null;
  event: string;
  headBranch: string | null;
  actor: string | null;
  conclusion: string | null;
  runStartedAt: string | null;
  updatedAt: string;
  /** when an earlier attempt is dated: the latest attempt's start (the earlier one ended before it) */
  earlierUpdatedAt: string;
}

/** One attempt to price: its number, its execution name (the webhook's, app/dispatch/execution-name.ts), its run's index in `facts`. */
export interface AttemptItem {
  n: number;
  name: string;
  r: number;
}

export interface ListRunsOutput {
  /** the runs of this page, each once */
  facts: RunFacts[];
  /** every attempt of those runs: the page child's Map items, so that its history grows with attempts only */
  attempts: AttemptItem[];
  /** the progress to hand to the next page child (cursor moved on, totals added) */
  progress: Progress;
  done: boolean;
  waitSeconds: number;
}
