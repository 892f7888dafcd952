// The data the redelivery machine passes to its task Lambdas and between its states, and the DynamoDB items it
// keeps: the sweep cursor and one redelivery count per guid. Small by design: at most MAX_CANDIDATES guids.
import * as z from "zod";
import { cursorSchema, type Candidate, type Cursor } from "./deliveries.js";

/**
 *  cursor       REDELIVERY          CURSOR       cursorAt, cursorIds, sweep (where the last sweep stopped)
 *  redeliveries REDELIVERY#<guid>   REDELIVERY   redeliveries, lastSweep,  (count of redeliveries, at most 3;
 *                                                lastDeliveryId, gaveUpAt  gaveUpAt: the give-up notice was sent)
 */
/** One sweep at a time, on AWS too: the lease item (holder, until), taken with a condition before any redelivery. */
export const LEASE_KEY = { pk: { S: "REDELIVERY" }, sk: { S: "LEASE" } } as const;
export const CURSOR_KEY = { pk: { S: "REDELIVERY" }, sk: { S: "CURSOR" } } as const;
export const redeliveryKey = (guid: string) => ({ pk: { S: `REDELIVERY#${guid}` }, sk: { S: "REDELIVERY" } });

const stringAttr = z.object({ S: z.string() });

/** The cursor item as the machine's dynamodb:getItem returns it (no Item before the first sweep). */
export const storedCursorSchema = z.object({
  Item: z
    .object({
      cursorAt: stringAttr,
      cursorIds: z.object({ L: z.array(stringAttr) }),
    })
    .optional(),
});

export function cursorFromItem(stored: z.infer<typeof storedCursorSchema>): Cursor | undefined {
  if (!stored.Item) return undefined;
  return cursorSchema.parse({ at: stored.Item.cursorAt.S, ids: stored.Item.cursorIds.L.map((x) => x.S) });
}

export function cursorItem(cursor: Cursor, sweep: string) {
  return { ...CURSOR_KEY, cursorAt: { S: cursor.at }, cursorIds: { L: cursor.ids.map((S) => ({ S })) }, sweep: { S: sweep } };
}

/** What the machine remembers between pages of one sweep (null before its first page). */
export const walkSchema = z.object({
  /** GitHub's cursor of the next page */
  page: z.string().min(1).max(1000),
  /** the listing's lower bound (the stored cursor, or the 3-day window), fixed at the first page */
  start: cursorSchema,
  /** the cursor to store when the sweep ends: the newest delivery of its first page (null: nothing was listed) */
  newest: cursorSchema.nullable(),
  /** guids listed on newer pages: an older delivery of one of them is not its latest, so it is left alone */
  seen: z.array(z.string()).max(20_000),
  checked: z.number().int().min(0),
  failed: z.number().int().min(0),
  githubCalls: z.number().int().min(0),
  /** guids handed to the machine so far (at most MAX_CANDIDATES a sweep), and those left for the next sweep */
  taken: z.number().int().min(0).default(0),
  deferred: z.number().int().min(0).default(0),
});
export type Walk = z.infer<typeof walkSchema>;

export const pageResultSchema = z.object({ guid: z.string(), outcome: z.enum(["redelivered", "refused", "alreadyThisSweep", "gaveUp", "givenUpBefore"]) });

export const listDeliveriesEventSchema = z.object({
  stored: storedCursorSchema,
  /** the sweep's execution name */
  sweep: z.string().min(1).max(80),
  walk: walkSchema.nullable().optional(),
  /** the outcomes of the pages before the previous one, and of the previous one */
  earlier: z.array(pageResultSchema).optional(),
  results: z.array(pageResultSchema).optional(),
});
export type ListDeliveriesEvent = z.infer<typeof listDeliveriesEventSchema>;

/** One guid to redeliver, with its DynamoDB key so that the machine's native writes need no string building. */
export interface CandidateItem extends Candidate {
  key: ReturnType<typeof redeliveryKey>;
}

export interface ListDeliveriesOutput {
  checked: number;
  failed: number;
  deferred: number;
  githubCalls: number;
  candidates: CandidateItem[];
  /** the cursor to store (null: nothing was listed, the stored cursor stays) */
  cursor: Cursor | null;
  cursorItem: ReturnType<typeof cursorItem> | null;
  /** the sweep's time, ISO 8601, for the items the machine writes */
  now: string;
  /** the sweep holds its lease until then (renewed with each page): a sweep that died is taken over after it */
  leaseUntil: string;
  /** true when the last page has been listed: the machine stores `cursorItem` and ends */
  done: boolean;
  /** the next page's walk (null when done, or when a rate limit came before the first page) */
  walk: Walk | null;
  /** GitHub's rate limit: list this page again at this time (x-ratelimit-reset, bounded); null otherwise */
  waitUntil: string | null;
  /** the outcomes of every page redelivered so far (the machine adds the last page's) */
  earlier: Array<z.infer<typeof pageResultSchema>>;
}

export const redeliverEventSchema = z.object({
  guid: z.string().min(1),
  deliveryId: z.string().regex(/^\d+$/, "must be a delivery id (digits, kept as a string)"),
});
export type RedeliverEvent = z.infer<typeof redeliverEventSchema>;

/** What the Map gives back for each guid. */
export const OUTCOMES = ["redelivered", "refused", "alreadyThisSweep", "gaveUp", "givenUpBefore"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const sweepOutputSchema = z.object({
  checked: z.number().int().min(0),
  failed: z.number().int().min(0),
  deferred: z.number().int().min(0),
  githubCalls: z.number().int().min(0),
  results: z.array(z.object({ guid: z.string(), outcome: z.enum(OUTCOMES) })),
  /** the outcomes of the pages before the last */
  earlier: z.array(z.object({ guid: z.string(), outcome: z.enum(OUTCOMES) })).optional(),
  /** another sweep held the lease: this one did nothing */
  overlapped: z.boolean().optional(),
});
export type SweepOutput = z.infer<typeof sweepOutputSchema>;

export interface SweepSummary {
  checked: number;
  failed: number;
  redelivered: number;
  gaveUp: number;
  refused: number;
  alreadyThisSweep: number;
  givenUpBefore: number;
  deferred: number;
  githubCalls: number;
}

/** The counts a sweep's output stands for (the machine returns one outcome per guid; counting is done here). */
export function summarise(out: SweepOutput): SweepSummary {
  const all = [...(out.earlier ?? []), ...out.results];
  const n = (o: Outcome): number => all.filter((r) => r.outcome === o).length;
  return {
    checked: out.checked,
    failed: out.failed,
    redelivered: n("redelivered"),
    gaveUp: n("gaveUp"),
    refused: n("refused"),
    alreadyThisSweep: n("alreadyThisSweep"),
    givenUpBefore: n("givenUpBefore"),
    deferred: out.deferred,
    githubCalls: out.githubCalls,
  };
}
