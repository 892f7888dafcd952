// The failed-delivery redelivery sweep's pure rules and its two GitHub calls: list the App's webhook deliveries
// newer than a cursor, decide which guids to redeliver, redeliver one. Delivery ids exceed 2^53, so they are kept as
// strings from the raw response text on: JSON.parse would round them.
import * as z from "zod";
import type { Octokit } from "../github/octokit.js";
import { isRateLimited } from "../http-status.js";

/** GitHub lets failed deliveries be redelivered for 3 days: without a cursor, the first sweep looks back that far. */
export const REDELIVERY_WINDOW_MS = 3 * 24 * 3600 * 1000;
/** At most this many redeliveries of one guid in all; then it is given up (and notified once). */
export const MAX_REDELIVERIES = 3;
/**
 * At most this many guids redelivered per sweep, over all its pages: each costs up to 26 history events, so a sweep
 * of 500 pages (50,000 deliveries in the window) stays under 20,000 events (test/machine-bounds.test.ts); the rest
 * waits for the next sweep, which lists the window again.
 */
export const MAX_CANDIDATES = 200;

const idString = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);

export const deliverySchema = z.object({
  id: idString,
  // A UUID on GitHub; bounded so that the give-up notification's subject stays under SNS's 100 characters.
  guid: z.string().min(1).max(64),
  delivered_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be a timestamp"),
  redelivery: z.boolean(),
  status: z.string(),
  status_code: z.number().int().nullable().optional(),
  event: z.string(),
  action: z.string().nullable().optional(),
});
export type Delivery = z.infer<typeof deliverySchema>;

/**
 * Where the previous sweep stopped: the newest delivery time it saw and the ids it saw at exactly that time
 * (GitHub's times have whole seconds: a delivery made later in the same second is still listed, not skipped).
 */
export const cursorSchema = z.object({
  at: z.iso.datetime(),
  ids: z.array(z.string().regex(/^\d+$/)),
});
export type Cursor = z.infer<typeof cursorSchema>;

/** Quotes every `"id": <digits>` (and *_id) of a response text, so that no id passes through a JS number. */
export function idsAsStrings(text: string): string {
  return text.replace(/("(?:[a-z]+_)?id"\s*:\s*)(\d+)/g, '$1"$2"');
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const timeOf = (d: Delivery): number => Date.parse(d.delivered_at);
const older = (a: Delivery, b: Delivery): number => timeOf(a) - timeOf(b) || compareIds(a.id, b.id);
const iso = (ms: number): string => new Date(ms).toISOString();

/** Is this delivery after the cursor (newer, or at its second and not seen by the sweep that wrote it)? */
export function afterCursor(d: Delivery, cursor: Cursor | undefined): boolean {
  if (!cursor) return true;
  const t = timeOf(d);
  const c = Date.parse(cursor.at);
  return t > c || (t === c && !cursor.ids.includes(d.id));
}

export interface Candidate {
  guid: string;
  /** the latest failed delivery of the guid: the one whose attempts endpoint redelivers it */
  deliveryId: string;
  event: string;
  action: string | null;
  deliveredAt: string;
}

export interface SweepPlan {
  checked: number;
  failed: number;
  /** oldest first, at most `max` */
  candidates: Candidate[];
  /** guids that need redelivery but wait for the next sweep (over `max`) */
  deferred: number;
  /** the next sweep's cursor; undefined when nothing was listed (the stored one stays) */
  cursor: Cursor | undefined;
}

/**
 * A guid needs redelivery when its latest delivery is not OK: a failed delivery whose later attempt succeeded is
 * left alone. `deliveries` are those after the cursor. Over `max` guids, the oldest are taken and the cursor stops
 * before the first one left, so the next sweep lists it again. `after` is the cursor the listing started from.
 * Pure: the listing is given.
 */
export function planSweep(deliveries: Delivery[], max = MAX_CANDIDATES, after?: Cursor): SweepPlan {
  const latest = new Map<string, Delivery>();
  for (const d of deliveries) {
    const seen = latest.get(d.guid);
    if (!seen || older(seen, d) < 0) latest.set(d.guid, d);
  }
  const due = [...latest.values()].filter((d) => d.status !== "OK").sort(older);
  const taken = due.slice(0, max);
  const left = due.slice(max);
  const failed = deliveries.filter((d) => d.status !== "OK").length;
  const candidates = taken.map((d) => ({ guid: d.guid, deliveryId: d.id, event: d.event, action: d.action ?? null, deliveredAt: iso(timeOf(d)) }));
  if (deliveries.length === 0) return { checked: 0, failed, candidates, deferred: 0, cursor: undefined };
  // Everything up to the cursor is dealt with: all of it, or (over max) up to the last guid taken, minus the
  // deliveries of the guids left over at that same second.
  const leftIds = new Set(left.map((d) => d.id));
  const until = left.length ? timeOf(taken.at(-1)!) : Math.max(...deliveries.map(timeOf));
  const ids = deliveries.filter((d) => timeOf(d) === until && !leftIds.has(d.id)).map((d) => d.id);
  // Still at the previous cursor's second: what that sweep saw there stays seen.
  if (after && Date.parse(after.at) === until) ids.unshift(...after.ids.filter((id) => !ids.includes(id)));
  return { checked: deliveries.length, failed, candidates, deferred: left.length, cursor: { at: iso(until), ids } };
}

/** Where a sweep starts: the stored cursor, but never before GitHub's 3-day redelivery window. */
export function sweepStart(stored: Cursor | undefined, now: Date): Cursor {
  const windowStart = now.getTime() - REDELIVERY_WINDOW_MS;
  if (stored && Date.parse(stored.at) >= windowStart) return stored;
  return { at: iso(windowStart), ids: [] };
}

/** One page of the listing: what it held, what of it is after the cursor, and where the next page is. */
export interface DeliveryPage {
  listed: number;
  fresh: Delivery[];
  /** GitHub's opaque cursor of the next page; undefined when this page reached the cursor or was the last */
  next: string | undefined;
}

/**
 * One page of GET /app/hook/deliveries (App JWT, per_page=100, newest first), read as text so that ids stay exact.
 * `page` is GitHub's cursor from the previous page's Link header.
 */
export async function listDeliveryPage(app: Octokit, cursor: Cursor, page: string | undefined): Promise<DeliveryPage> {
  const res = await app.request("GET /app/hook/deliveries", {
    per_page: 100,
    ...(page ? { cursor: page } : {}),
    request: { parseSuccessResponseBody: false },
  });
  const text = await new Response(res.data as unknown as ConstructorParameters<typeof Response>[0]).text();
  const listed = z.array(deliverySchema).parse(JSON.parse(idsAsStrings(text)));
  const fresh = listed.filter((d) => afterCursor(d, cursor));
  const link = /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ""))?.[1];
  const reachedCursor = listed.some((d) => timeOf(d) < Date.parse(cursor.at));
  const next = link && !reachedCursor && listed.length > 0 ? (new URL(link).searchParams.get("cursor") ?? undefined) : undefined;
  return { listed: listed.length, fresh, next };
}

/** Every delivery after the cursor, page by page (the command-line and test path; the machine lists one page per task). */
export async function listDeliveriesAfter(app: Octokit, cursor: Cursor): Promise<{ deliveries: Delivery[]; calls: number }> {
  const deliveries: Delivery[] = [];
  let page: string | undefined;
  let calls = 0;
  do {
    const got = await listDeliveryPage(app, cursor, page);
    calls += 1;
    deliveries.push(...got.fresh);
    page = got.next;
  } while (page);
  return { deliveries, calls };
}

/** The longest a sweep waits for GitHub's rate limit to reset in one Wait (GitHub resets hourly). */
export const MAX_RATE_LIMIT_WAIT_MS = 20 * 60 * 1000;

/**
 * When GitHub refused for its rate limit, the time to list again: x-ratelimit-reset (epoch seconds), or now plus
 * retry-after, at least a second ahead and at most MAX_RATE_LIMIT_WAIT_MS; undefined for any other failure.
 */
export function rateLimitResumeAt(err: unknown, now: Date): string | undefined {
  if (!isRateLimited(err)) return undefined;
  const headers = (err as { response?: { headers?: Record<string, string | number | undefined> } }).response?.headers ?? {};
  const reset = Number(headers["x-ratelimit-reset"]);
  const after = Number(headers["retry-after"]);
  const at = Number.isFinite(reset) && reset > 0 ? reset * 1000 : Number.isFinite(after) ? now.getTime() + after * 1000 : now.getTime() + 60_000;
  const bounded = Math.min(Math.max(at, now.getTime() + 1000), now.getTime() + MAX_RATE_LIMIT_WAIT_MS);
  return iso(bounded);
}

/** POST /app/hook/deliveries/{delivery_id}/attempts (App JWT): GitHub answers 202 and redelivers. */
export async function redeliverAttempt(app: Octokit, deliveryId: string): Promise<void> {
  await app.request("POST /app/hook/deliveries/{delivery_id}/attempts", { delivery_id: deliveryId as unknown as number });
}

/** The member a `member_added` delivery is about, from the delivery's own record (GET /app/hook/deliveries/{id}). */
export interface JoinDelivery {
  org: string;
  login: string;
  installationId: number;
}

const joinDetailSchema = z.object({
  event: z.string(),
  action: z.string().nullable().optional(),
  request: z.object({
    payload: z
      .object({
        organization: z.object({ login: z.string().min(1).max(39) }),
        membership: z.object({ user: z.object({ login: z.string().min(1).max(100) }) }),
        installation: z.object({ id: z.coerce.number().int().positive() }),
      })
      .nullable()
      .optional(),
  }),
});

/** A delivery's event and, for `organization.member_added`, who joined; null for any other delivery. */
export async function joinOf(app: Octokit, deliveryId: string): Promise<JoinDelivery | null> {
  const res = await app.request("GET /app/hook/deliveries/{delivery_id}", {
    delivery_id: deliveryId as unknown as number,
    request: { parseSuccessResponseBody: false },
  });
  const text = await new Response(res.data as unknown as ConstructorParameters<typeof Response>[0]).text();
  const parsed = joinDetailSchema.safeParse(JSON.parse(idsAsStrings(text)));
  if (!parsed.success || parsed.data.event !== "organization" || parsed.data.action !== "member_added") return null;
  const p = parsed.data.request.payload;
  return p ? { org: p.organization.login, login: p.membership.user.login, installationId: p.installation.id } : null;
}
