// The data the redelivery machine passes to its task Lambdas and between its states, and the DynamoDB items it
// keeps: the sweep cursor and one redelivery count per guid. Small by design: at most MAX_CANDIDATES guids.
import * as z from "zod";
import { cursorSchema, type Candidate, type Cursor } from "./deliveries.js";

/**
 *  cursor       REDELIVERY          CURSOR       cursorAt, cursorIds, sweep (where the last sweep stopped)
 *  redeliveries REDELIVERY#<guid>   REDELIVERY   redeliveries, lastSweep,  (count of redeliveries, at most 3;
 *                                                lastDeliveryId, gaveUpAt  gaveUpAt: the give-up notice was sent)
 */
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

export const listDeliveriesEventSchema = z.object({
  stored: storedCursorSchema,
  /** the sweep's execution name */
  sweep: z.string().min(1).max(80),
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
  const n = (o: Outcome): number => out.results.filter((r) => r.outcome === o).length;
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
