// The one shape of a totals item: the amounts every aggregate of run attempts keeps (a repository's all-time and
// month, the org's month, a cost centre's month, a workflow cell's month), which aggregates an attempt adds to, the
// UpdateItem that adds it (sent by the state machine), the item recomputed whole from run records, and the item read
// back. Pure.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { costCenterTotalsKey, orgAllTimeGsi, orgMonthGsi, orgTotalsKey, repoTotalsKey, workflowTotalsKey, type TableKey } from "./keys.js";
import { costCenterOf, workflowFileOf, type RunRecord } from "./run.js";

type Item = Record<string, AttributeValue>;

/** Unknown label sets added to a repository's totals per attempt (the run record keeps up to 50). */
export const MAX_TOTALS_LABELS = 10;

// Flat attribute prefixes on totals items: ADD cannot create a path inside a map, so each SKU gets its own attribute.
export const SKU_MINUTES_PREFIX = "skuMinutes_";
export const SKU_COST_PREFIX = "skuCostMicros_";

/** The amounts of any totals item. Integers (minutes, micro-dollars): sums are exact. */
export interface Amounts {
  runs: number;
  attempts: number;
  jobs: number;
  minutes: number;
  costMicros: number;
  unknownMinutes: number;
  bySku: Record<string, { minutes: number; costMicros: number }>;
}

/** A repository's totals (all-time or one month): the amounts, plus the runner label sets nothing could price. */
export interface RepoTotals extends Amounts {
  repository: string;
  period: string;
  unknownLabels: string[];
}

/** The repository aggregates, where the admin fixes unknown labels, and the org-partition finance aggregates. */
export type AggregateKind = "repository" | "finance";

/** One aggregate an attempt adds to: its key and the attributes that name it (set on every write). */
export interface AggregateTarget {
  kind: AggregateKind;
  key: TableKey;
  attributes: Record<string, string>;
}

/** Every aggregate one attempt adds to: the repository's all-time and month, the org's, cost centre's and workflow cell's month. */
export function aggregateTargets(record: RunRecord): AggregateTarget[] {
  const org = record.org.toLowerCase();
  const costCenter = costCenterOf(record);
  const workflow = workflowFileOf(record);
  const month = record.month;
  const repo = (m: string | undefined): AggregateTarget => ({
    kind: "repository",
    key: repoTotalsKey(record.repository, m),
    attributes: {
      type: "totals",
      org,
      repository: record.repository,
      period: m ?? "ALL",
      gsi1pk: m === undefined ? orgAllTimeGsi(org) : orgMonthGsi(org, m),
      gsi1sk: record.pk,
    },
  });
  return [
    repo(undefined),
    repo(month),
    { kind: "finance", key: orgTotalsKey(org, month), attributes: { type: "orgtotals", org, period: month } },
    { kind: "finance", key: costCenterTotalsKey(org, month, costCenter), attributes: { type: "cctotals", org, period: month, costCenter } },
    {
      kind: "finance",
      key: workflowTotalsKey(org, month, record.repository, workflow, costCenter),
      attributes: { type: "wftotals", org, period: month, repository: record.repository, workflow, costCenter },
    },
  ];
}

/** What one attempt adds; `countsRun`: it is the attempt its run is counted with. */
export function amountsOf(record: RunRecord, countsRun: boolean): Amounts {
  const bySku: Amounts["bySku"] = {};
  // Sorted so that everything built from it (expressions, items) is deterministic for a record.
  for (const [sku, t] of Object.entries(record.bySku).sort(([a], [b]) => a.localeCompare(b))) {
    if (t.minutes > 0 || t.costMicros > 0) bySku[sku] = { minutes: t.minutes, costMicros: t.costMicros };
  }
  return {
    runs: countsRun ? 1 : 0,
    attempts: 1,
    jobs: record.jobs,
    minutes: record.minutes,
    costMicros: record.costMicros,
    unknownMinutes: record.unknownMinutes,
    bySku,
  };
}

/** The unknown label sets an attempt adds to its repository's totals: capped so that odd, generated labels cannot grow an item towards DynamoDB's 400 KB. */
export function labelsAdded(record: RunRecord): string[] {
  return record.unknownLabels.slice(0, MAX_TOTALS_LABELS).map((l) => l.slice(0, 200));
}

/** One transaction item's worth: an UpdateItem that adds the attempt to an aggregate, in both variants. */
export interface AggregateUpdate {
  kind: AggregateKind;
  key: Item;
  updateExpression: string;
  names: Record<string, string>;
  /** ExpressionAttributeValues for the first attempt of its run (:runs 1) and for a repeat (:runs 0) */
  firstRun: Item;
  repeatRun: Item;
}

/**
 * The UpdateExpression that adds one attempt to an aggregate. Precomputed here because the state machine (JSONPath
 * only) cannot build expressions. Every attempt adds its minutes and cost (GitHub bills each attempt); only the first
 * attempt of a run to be recorded adds a run (:runs). Deterministic for a record.
 */
function aggregateUpdate(target: AggregateTarget, record: RunRecord): AggregateUpdate {
  const amounts = amountsOf(record, true);
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const sets = Object.entries(target.attributes).map(([attr, value], i) => {
    names[`#s${i}`] = attr;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  Object.assign(names, {
    "#runs": "runs",
    "#attempts": "attempts",
    "#jobs": "jobs",
    "#minutes": "minutes",
    "#costMicros": "costMicros",
    "#unknownMinutes": "unknownMinutes",
  });
  Object.assign(values, {
    ":one": 1,
    ":jobs": amounts.jobs,
    ":minutes": amounts.minutes,
    ":costMicros": amounts.costMicros,
    ":unknownMinutes": amounts.unknownMinutes,
  });
  const adds = ["#runs :runs", "#attempts :one", "#jobs :jobs", "#minutes :minutes", "#costMicros :costMicros", "#unknownMinutes :unknownMinutes"];
  Object.entries(amounts.bySku).forEach(([sku, t], i) => {
    names[`#sm${i}`] = `${SKU_MINUTES_PREFIX}${sku}`;
    names[`#sc${i}`] = `${SKU_COST_PREFIX}${sku}`;
    values[`:sm${i}`] = t.minutes;
    values[`:sc${i}`] = t.costMicros;
    adds.push(`#sm${i} :sm${i}`, `#sc${i} :sc${i}`);
  });
  const labels = target.kind === "repository" ? labelsAdded(record) : [];
  if (labels.length > 0) {
    // ADD on a string set is a union: the totals keep the distinct unknown label sets, for the admin to fix.
    names["#unknownLabels"] = "unknownLabels";
    values[":unknownLabels"] = new Set(labels);
    adds.push("#unknownLabels :unknownLabels");
  }
  return {
    kind: target.kind,
    key: marshall(target.key),
    updateExpression: `SET ${sets.join(", ")} ADD ${adds.join(", ")}`,
    names,
    firstRun: marshall({ ...values, ":runs": 1 }),
    repeatRun: marshall({ ...values, ":runs": 0 }),
  };
}

/** The updates of every aggregate of an attempt, in the order of aggregateTargets. */
export function attemptUpdates(record: RunRecord): AggregateUpdate[] {
  return aggregateTargets(record).map((t) => aggregateUpdate(t, record));
}

/** A totals item written whole, with the same attributes the recording's ADD updates maintain. */
export type TotalsItem = Record<string, string | number | Set<string>>;

/** The flat attributes of amounts, as stored. */
export function amountAttributes(a: Amounts): Record<string, number> {
  const out: Record<string, number> = {
    runs: a.runs,
    attempts: a.attempts,
    jobs: a.jobs,
    minutes: a.minutes,
    costMicros: a.costMicros,
    unknownMinutes: a.unknownMinutes,
  };
  for (const [sku, t] of Object.entries(a.bySku)) {
    out[`${SKU_MINUTES_PREFIX}${sku}`] = t.minutes;
    out[`${SKU_COST_PREFIX}${sku}`] = t.costMicros;
  }
  return out;
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

/** The amounts of any totals item, read back (unmarshalled); the flat per-SKU attributes become `bySku`. */
export function amountsFromItem(item: Record<string, unknown>): Amounts {
  const bySku: Amounts["bySku"] = {};
  for (const [name, value] of Object.entries(item)) {
    if (name.startsWith(SKU_MINUTES_PREFIX)) (bySku[name.slice(SKU_MINUTES_PREFIX.length)] ??= { minutes: 0, costMicros: 0 }).minutes = num(value);
    else if (name.startsWith(SKU_COST_PREFIX)) (bySku[name.slice(SKU_COST_PREFIX.length)] ??= { minutes: 0, costMicros: 0 }).costMicros = num(value);
  }
  return {
    runs: num(item.runs),
    attempts: num(item.attempts),
    jobs: num(item.jobs),
    minutes: num(item.minutes),
    costMicros: num(item.costMicros),
    unknownMinutes: num(item.unknownMinutes),
    bySku,
  };
}

/** A repository's totals item (all-time or monthly), read back. */
export function totalsFromItem(item: Record<string, unknown>): RepoTotals {
  const labels = item.unknownLabels;
  const pk = typeof item.pk === "string" ? item.pk.replace(/^REPO#/, "") : "";
  return {
    repository: typeof item.repository === "string" ? item.repository : pk,
    period: typeof item.period === "string" ? item.period : "ALL",
    ...amountsFromItem(item),
    unknownLabels: labels instanceof Set ? [...(labels as Set<string>)].sort() : Array.isArray(labels) ? labels.map(String).sort() : [],
  };
}

export function emptyAmounts(): Amounts {
  return { runs: 0, attempts: 0, jobs: 0, minutes: 0, costMicros: 0, unknownMinutes: 0, bySku: {} };
}

/** Adds b into a (integers: exact). */
export function addAmounts(a: Amounts, b: Amounts): Amounts {
  a.runs += b.runs;
  a.attempts += b.attempts;
  a.jobs += b.jobs;
  a.minutes += b.minutes;
  a.costMicros += b.costMicros;
  a.unknownMinutes += b.unknownMinutes;
  for (const [sku, t] of Object.entries(b.bySku)) {
    const s = (a.bySku[sku] ??= { minutes: 0, costMicros: 0 });
    s.minutes += t.minutes;
    s.costMicros += t.costMicros;
  }
  return a;
}
