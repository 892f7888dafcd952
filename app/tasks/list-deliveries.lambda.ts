// Task Lambda of the redelivery machine: one page of the App's webhook deliveries after the stored cursor (App JWT),
// and the guids on it whose latest delivery failed. The machine redelivers them, calls this again with the returned
// walk until `done`, then stores the returned cursor. A rate limit is not retried here: its reset is returned and the
// machine waits for it in a Wait state (no Lambda time spent waiting).
import { cursorFromItem, cursorItem, listDeliveriesEventSchema, redeliveryKey, type ListDeliveriesOutput, type Walk } from "../redelivery/contract.js";
import { listDeliveryPage, MAX_CANDIDATES, planSweep, rateLimitResumeAt, sweepStart, type DeliveryPage } from "../redelivery/deliveries.js";
import { withDeadline } from "../outbound.js";
import { firstIssue } from "../validation.js";
import { InvalidInputError } from "../errors.js";
import { TASK_BUDGET_MS } from "./budget.js";
import { classify } from "./classify.js";
import { appOctokit } from "../github/octokit.js";

/** How long a sweep holds its lease past each page: longer than a page and its redeliveries, and than the longest Wait. */
export const LEASE_MS = 25 * 60 * 1000;
/** The guids a sweep remembers across pages (about 40 bytes each, far under 256 KiB of state); the oldest go first. */
export const MAX_SEEN = 4_000;

export function handler(event: unknown): Promise<ListDeliveriesOutput> {
  return withDeadline(TASK_BUDGET_MS.deliveries, () => listDeliveries(event));
}

async function listDeliveries(event: unknown): Promise<ListDeliveriesOutput> {
  const parsed = listDeliveriesEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`list-deliveries input: ${firstIssue(parsed.error)}`);
  const { stored, sweep, walk } = parsed.data;
  const earlier = [...(parsed.data.earlier ?? []), ...(parsed.data.results ?? [])];
  const now = new Date();
  const base = { now: now.toISOString(), leaseUntil: new Date(now.getTime() + LEASE_MS).toISOString(), earlier };
  const start = walk?.start ?? sweepStart(cursorFromItem(stored), now);
  let page: DeliveryPage;
  try {
    page = await listDeliveryPage(await appOctokit(), start, walk?.page);
  } catch (err) {
    const waitUntil = rateLimitResumeAt(err, now);
    if (!waitUntil) throw classify(err, "the App's webhook deliveries");
    // Listed again after the reset, from the same page.
    const counts = { checked: walk?.checked ?? 0, failed: walk?.failed ?? 0, githubCalls: (walk?.githubCalls ?? 0) + 1 };
    return {
      ...base,
      ...counts,
      deferred: walk?.deferred ?? 0,
      candidates: [],
      cursor: null,
      cursorItem: null,
      done: false,
      walk: walk ? { ...walk, githubCalls: counts.githubCalls } : null,
      waitUntil,
    };
  }
  // Newest first: a guid already listed on a newer page has its latest delivery there.
  const seen = new Set(walk?.seen ?? []);
  const latestHere = page.fresh.filter((d) => !seen.has(d.guid));
  const plan = planSweep(latestHere, Number.MAX_SAFE_INTEGER, start);
  const newest = walk ? walk.newest : (planSweep(page.fresh, Number.MAX_SAFE_INTEGER, start).cursor ?? null);
  const counts = {
    checked: (walk?.checked ?? 0) + page.fresh.length,
    failed: (walk?.failed ?? 0) + page.fresh.filter((d) => d.status !== "OK").length,
    githubCalls: (walk?.githubCalls ?? 0) + 1,
  };
  // Over the sweep's share, the rest is left for the next sweep: the cursor then stays where it was, so that the
  // next sweep lists them again (the ones redelivered now have a newer delivery by then).
  const room = Math.max(0, MAX_CANDIDATES - (walk?.taken ?? 0));
  const candidates = plan.candidates.slice(0, room).map((c) => ({ ...c, key: redeliveryKey(c.guid) }));
  const taken = (walk?.taken ?? 0) + candidates.length;
  const deferred = (walk?.deferred ?? 0) + plan.candidates.length - candidates.length;
  if (!page.next) {
    const cursor = deferred > 0 ? null : newest;
    return {
      ...base,
      ...counts,
      deferred,
      candidates,
      cursor,
      cursorItem: cursor ? cursorItem(cursor, sweep) : null,
      done: true,
      walk: null,
      waitUntil: null,
    };
  }
  for (const d of page.fresh) seen.add(d.guid);
  const next: Walk = { page: page.next, start, newest, seen: [...seen].slice(-MAX_SEEN), ...counts, taken, deferred };
  return { ...base, ...counts, deferred, candidates, cursor: null, cursorItem: null, done: false, walk: next, waitUntil: null };
}
