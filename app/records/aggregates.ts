// The finance aggregates of an attempt, beside the per-repository totals: the org's month, the cost centre's month
// and the (repository, workflow file, cost centre) month. All live in the org's partition (pk ORG#<org>), so an org's
// month is one Query (begins_with on the sort key), never a Scan, with no index to keep. Pure.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { amountsAdded, costCenterOf, SKU_COST_PREFIX, SKU_MINUTES_PREFIX, workflowFileOf, type RunRecord } from "./run.js";

type Item = Record<string, AttributeValue>;

/** Key parts that are names (cost centres, workflow files, scopes) are encoded, so '#' in a name cannot collide. */
export function keyPart(name: string): string {
  return encodeURIComponent(name);
}

export function orgPk(org: string): string {
  return `ORG#${org.toLowerCase()}`;
}

export const ORG_TOTALS_PREFIX = "TOTALS#";
export const COST_CENTER_PREFIX = "CCTOTALS#";
export const WORKFLOW_PREFIX = "WFTOTALS#";
export const BUDGET_ALERT_PREFIX = "BUDGETALERT#";
export const SETTINGS_SK = "CHARGEBACK#SETTINGS";

export function orgTotalsKey(org: string, month: string): { pk: string; sk: string } {
  return { pk: orgPk(org), sk: `${ORG_TOTALS_PREFIX}${month}` };
}

export function costCenterTotalsKey(org: string, month: string, costCenter: string): { pk: string; sk: string } {
  return { pk: orgPk(org), sk: `${COST_CENTER_PREFIX}${month}#${keyPart(costCenter)}` };
}

export function workflowTotalsKey(org: string, month: string, repository: string, workflow: string, costCenter: string): { pk: string; sk: string } {
  return { pk: orgPk(org), sk: `${WORKFLOW_PREFIX}${month}#${keyPart(repository.toLowerCase())}#${keyPart(workflow)}#${keyPart(costCenter)}` };
}

export function budgetAlertKey(org: string, month: string, scope: string, pct: number): { pk: string; sk: string } {
  return { pk: orgPk(org), sk: `${BUDGET_ALERT_PREFIX}${month}#${keyPart(scope.toLowerCase())}#${String(pct).padStart(4, "0")}` };
}

export function settingsKey(org: string): { pk: string; sk: string } {
  return { pk: orgPk(org), sk: SETTINGS_SK };
}

/** One transaction item's worth: an UpdateItem that adds the attempt to an aggregate, in both variants. */
export interface AggregateUpdate {
  key: Item;
  updateExpression: string;
  names: Record<string, string>;
  /** ExpressionAttributeValues for the first attempt of its run (:runs 1) and for a repeat (:runs 0) */
  firstRun: Item;
  repeatRun: Item;
}

function update(key: { pk: string; sk: string }, record: RunRecord, set: Record<string, string>): AggregateUpdate {
  // The unknown label sets stay on the repository totals, where the admin fixes them.
  const add = amountsAdded(record, false);
  const names: Record<string, string> = { ...add.names };
  const values: Record<string, unknown> = { ...add.values };
  const sets = Object.entries(set).map(([attr, value], i) => {
    names[`#s${i}`] = attr;
    values[`:s${i}`] = value;
    return `#s${i} = :s${i}`;
  });
  return {
    key: marshall(key),
    updateExpression: `SET ${sets.join(", ")} ${add.expression}`,
    names,
    firstRun: marshall({ ...values, ":runs": 1 }),
    repeatRun: marshall({ ...values, ":runs": 0 }),
  };
}

/** The org's month, the cost centre's month and the workflow cell's month of one attempt. */
export function financeAggregates(record: RunRecord): AggregateUpdate[] {
  const org = record.org.toLowerCase();
  const costCenter = costCenterOf(record);
  const workflow = workflowFileOf(record);
  return [
    update(orgTotalsKey(org, record.month), record, { type: "orgtotals", org, period: record.month }),
    update(costCenterTotalsKey(org, record.month, costCenter), record, { type: "cctotals", org, period: record.month, costCenter }),
    update(workflowTotalsKey(org, record.month, record.repository, workflow, costCenter), record, {
      type: "wftotals",
      org,
      period: record.month,
      repository: record.repository,
      workflow,
      costCenter,
    }),
  ];
}

/** The amounts of any aggregate item (repository, org, cost centre, workflow), read back. */
export interface Amounts {
  runs: number;
  attempts: number;
  jobs: number;
  minutes: number;
  costMicros: number;
  unknownMinutes: number;
  bySku: Record<string, { minutes: number; costMicros: number }>;
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

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
