// Totals recomputed from run records, the source of truth: the repair for totals an execution could not finish
// adding, and the rewrite after a reallocation. The same aggregates and attributes as the recording transaction
// (app/records/totals.ts). Pure.
import type { RunRecord } from "./run.js";
import {
  addAmounts,
  aggregateTargets,
  amountAttributes,
  amountsOf,
  emptyAmounts,
  labelsAdded,
  type AggregateKind,
  type Amounts,
  type AggregateTarget,
  type TotalsItem,
} from "./totals.js";

/**
 * The totals items of an org's run records, all or only one kind. A run counts once, with its earliest recorded
 * attempt (by completion, then attempt number), in that attempt's month and cells; every attempt adds its minutes
 * and cost.
 */
export function totalsFromRuns(runs: RunRecord[], kind?: AggregateKind): TotalsItem[] {
  const first = new Map<string, RunRecord>();
  for (const r of [...runs].sort((a, b) => a.completedAt.localeCompare(b.completedAt) || a.attempt - b.attempt)) {
    const run = `${r.pk}#${r.runId}`;
    if (!first.has(run)) first.set(run, r);
  }
  const acc = new Map<string, { target: AggregateTarget; amounts: Amounts; labels: Set<string> }>();
  for (const r of runs) {
    const added = amountsOf(r, first.get(`${r.pk}#${r.runId}`) === r);
    for (const target of aggregateTargets(r)) {
      if (kind !== undefined && target.kind !== kind) continue;
      const id = `${target.key.pk}\u0000${target.key.sk}`;
      let a = acc.get(id);
      if (!a) {
        a = { target, amounts: emptyAmounts(), labels: new Set() };
        acc.set(id, a);
      }
      addAmounts(a.amounts, added);
      if (target.kind === "repository") for (const l of labelsAdded(r)) a.labels.add(l);
    }
  }
  return [...acc.values()].map(({ target, amounts, labels }) => ({
    ...target.key,
    ...target.attributes,
    ...amountAttributes(amounts),
    ...(labels.size > 0 ? { unknownLabels: labels } : {}),
  }));
}
