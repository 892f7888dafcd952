// Groundwork of the failed-delivery redelivery sweep (not yet wired into a machine): list the App's webhook
// deliveries newer than a cursor and decide which guids to redeliver. Delivery ids exceed 2^53, so they are kept
// as strings from the raw response text on: JSON.parse would round them.
import * as z from "zod";
import type { Octokit } from "../tasks/github.js";

/** GitHub lets failed deliveries be redelivered for 3 days: without a cursor, the first sweep looks back that far. */
export const REDELIVERY_WINDOW_MS = 3 * 24 * 3600 * 1000;
/** At most this many redeliveries of one guid in all; then it is given up (and notified once). */
export const MAX_REDELIVERIES = 3;

const idString = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(String);

export const deliverySchema = z.object({
  id: idString,
  guid: z.string().min(1),
  delivered_at: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "must be a timestamp"),
  redelivery: z.boolean(),
  status: z.string(),
  status_code: z.number().int().nullable().optional(),
  event: z.string(),
  action: z.string().nullable().optional(),
});
export type Delivery = z.infer<typeof deliverySchema>;

/** Quotes every `"id": <digits>` (and *_id) of a response text, so that no id passes through a JS number. */
export function idsAsStrings(text: string): string {
  return text.replace(/("(?:[a-z]+_)?id"\s*:\s*)(\d+)/g, '$1"$2"');
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

const newer = (a: Delivery, b: Delivery): number => Date.parse(a.delivered_at) - Date.parse(b.delivered_at) || compareIds(a.id, b.id);

export interface Candidate {
  guid: string;
  /** the latest failed delivery of the guid: the one whose attempts endpoint redelivers it */
  deliveryId: string;
  event: string;
  /** redeliveries of this guid seen in the listing */
  redeliveriesSeen: number;
}

export interface Sweep {
  checked: number;
  failed: number;
  candidates: Candidate[];
  /** the newest delivery time seen: the next sweep's cursor */
  cursor: string | undefined;
}

/**
 * A guid needs redelivery when its latest delivery is not OK: a failed delivery whose later attempt succeeded is
 * left alone. Pure: the listing and the clock are given.
 */
export function sweep(deliveries: Delivery[]): Sweep {
  const byGuid = new Map<string, Delivery[]>();
  for (const d of deliveries) byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  const candidates: Candidate[] = [];
  for (const [guid, list] of byGuid) {
    const latest = [...list].sort(newer).at(-1)!;
    if (latest.status === "OK") continue;
    candidates.push({ guid, deliveryId: latest.id, event: latest.event, redeliveriesSeen: list.filter((d) => d.redelivery).length });
  }
  const newest = [...deliveries].sort(newer).at(-1);
  return { checked: deliveries.length, failed: deliveries.filter((d) => d.status !== "OK").length, candidates, cursor: newest?.delivered_at };
}

/**
 * Every delivery newer than `since` (GET /app/hook/deliveries, App JWT, per_page=100, newest first, cursor
 * pagination from the Link header), read as text so that ids stay exact. Stops at the first page reaching `since`.
 */
export async function listDeliveriesSince(app: Octokit, since: Date): Promise<{ deliveries: Delivery[]; calls: number }> {
  const deliveries: Delivery[] = [];
  let cursor: string | undefined;
  let calls = 0;
  for (;;) {
    const res = await app.request("GET /app/hook/deliveries", { per_page: 100, ...(cursor ? { cursor } : {}), request: { parseSuccessResponseBody: false } });
    calls += 1;
    const text = await new Response(res.data as unknown as ConstructorParameters<typeof Response>[0]).text();
    const page = z.array(deliverySchema).parse(JSON.parse(idsAsStrings(text)));
    const fresh = page.filter((d) => Date.parse(d.delivered_at) > since.getTime());
    deliveries.push(...fresh);
    const next = /<([^>]+)>;\s*rel="next"/.exec(String(res.headers.link ?? ""))?.[1];
    cursor = next ? (new URL(next).searchParams.get("cursor") ?? undefined) : undefined;
    if (!cursor || fresh.length < page.length || page.length === 0) return { deliveries, calls };
  }
}
