import { costCenterTotalsKey, orgTotalsKey, workflowTotalsKey } from "./aggregates.js";
import { costCenterOf, orgAllTimeGsi, orgMonthGsi, SKU_COST_PREFIX, SKU_MINUTES_PREFIX, totalsSk, workflowFileOf, type RunRecord } from "./run.js";

/** A totals item written whole, with the same attributes the state machine's ADD updates maintain. */
export type TotalsItem = Record<string, string | number | Set<string>>;

interface Acc {
  org: string;
  repository: string;
  pk: string;
  period: string;
  runIds: Set<number>;
  attempts: number;
  jobs: number;
  minutes: number;
  costMicros: number;
  unknownMinutes: number;
  unknownLabels: Set<string>;
  sku: Map<string, { minutes: number; costMicros: number }>;
}

/**
 * Totals recomputed from run records, the source of truth: all-time and per month for each repository. A run
 * counts once, in the month of its earliest recorded attempt; every attempt adds its minutes and cost. Pure.
 */
export function totalsFromRuns(runs: RunRecord[]): TotalsItem[] {
  const firstMonth = new Map<string, string>();
  for (const r of [...runs].sort((a, b) => a.completedAt.localeCompare(b.completedAt))) {
    const key = `${r.pk}#${r.runId}`;
    if (!firstMonth.has(key)) firstMonth.set(key, r.month);
  }
  const accs = new Map<string, Acc>();
  const acc = (r: RunRecord, period: string): Acc => {
    const id = `${r.pk}#${period}`;
    let a = accs.get(id);
    if (!a) {
      a = {
        org: r.org.toLowerCase(),
        repository: r.repository,
        pk: r.pk,
        period,
        runIds: new Set(),
        attempts: 0,
        jobs: 0,
        minutes: 0,
        costMicros: 0,
        unknownMinutes: 0,
        unknownLabels: new Set(),
        sku: new Map(),
      };
      accs.set(id, a);
    }
    return a;
  };
  for (const r of runs) {
    for (const period of ["ALL", r.month]) {
      const a = acc(r, period);
      if (period === "ALL" || firstMonth.get(`${r.pk}#${r.runId}`) === period) a.runIds.add(r.runId);
      a.attempts += 1;
      a.jobs += r.jobs;
      a.minutes += r.minutes;
      a.costMicros += r.costMicros;
      a.unknownMinutes += r.unknownMinutes;
      for (const l of r.unknownLabels) a.unknownLabels.add(l);
      for (const [sku, t] of Object.entries(r.bySku)) {
        if (t.minutes === 0 && t.costMicros === 0) continue;
        const s = a.sku.get(sku) ?? { minutes: 0, costMicros: 0 };
        s.minutes += t.minutes;
        s.costMicros += t.costMicros;
        a.sku.set(sku, s);
      }
    }
  }
  return [...accs.values()].map((a) => {
    const item: TotalsItem = {
      pk: a.pk,
      sk: totalsSk(a.period === "ALL" ? undefined : a.period),
      type: "totals",
      org: a.org,
      repository: a.repository,
      period: a.period,
      gsi1pk: a.period === "ALL" ? orgAllTimeGsi(a.org) : orgMonthGsi(a.org, a.period),
      gsi1sk: a.pk,
      runs: a.runIds.size,
      attempts: a.attempts,
      jobs: a.jobs,
      minutes: a.minutes,
      costMicros: a.costMicros,
      unknownMinutes: a.unknownMinutes,
    };
    if (a.unknownLabels.size) item.unknownLabels = a.unknownLabels;
    for (const [sku, t] of a.sku) {
      item[`${SKU_MINUTES_PREFIX}${sku}`] = t.minutes;
      item[`${SKU_COST_PREFIX}${sku}`] = t.costMicros;
    }
    return item;
  });
}

/**
 * The finance aggregates (org month, cost-centre month, workflow cell month) recomputed from run records, with the
 * same attributes the recording transaction maintains. A run counts once, in the month and cells of its earliest
 * recorded attempt (by completion, then attempt number), as totalsFromRuns counts it. Pure.
 */
export function financeTotalsFromRuns(runs: RunRecord[]): TotalsItem[] {
  const first = new Map<string, RunRecord>();
  for (const r of [...runs].sort((a, b) => a.completedAt.localeCompare(b.completedAt) || a.attempt - b.attempt)) {
    const key = `${r.pk}#${r.runId}`;
    if (!first.has(key)) first.set(key, r);
  }
  const items = new Map<string, TotalsItem>();
  const addTo = (key: { pk: string; sk: string }, set: Record<string, string>, r: RunRecord, countsRun: boolean): void => {
    const id = `${key.pk}\u0000${key.sk}`;
    let item = items.get(id);
    if (!item) {
      item = { ...key, ...set, runs: 0, attempts: 0, jobs: 0, minutes: 0, costMicros: 0, unknownMinutes: 0 };
      items.set(id, item);
    }
    const n = (k: string): number => (typeof item![k] === "number" ? (item![k] as number) : 0);
    item.runs = n("runs") + (countsRun ? 1 : 0);
    item.attempts = n("attempts") + 1;
    item.jobs = n("jobs") + r.jobs;
    item.minutes = n("minutes") + r.minutes;
    item.costMicros = n("costMicros") + r.costMicros;
    item.unknownMinutes = n("unknownMinutes") + r.unknownMinutes;
    for (const [sku, t] of Object.entries(r.bySku)) {
      if (t.minutes === 0 && t.costMicros === 0) continue;
      item[`${SKU_MINUTES_PREFIX}${sku}`] = n(`${SKU_MINUTES_PREFIX}${sku}`) + t.minutes;
      item[`${SKU_COST_PREFIX}${sku}`] = n(`${SKU_COST_PREFIX}${sku}`) + t.costMicros;
    }
  };
  for (const r of runs) {
    const org = r.org.toLowerCase();
    const cc = costCenterOf(r);
    const wf = workflowFileOf(r);
    const countsRun = first.get(`${r.pk}#${r.runId}`) === r;
    addTo(orgTotalsKey(org, r.month), { type: "orgtotals", org, period: r.month }, r, countsRun);
    addTo(costCenterTotalsKey(org, r.month, cc), { type: "cctotals", org, period: r.month, costCenter: cc }, r, countsRun);
    addTo(
      workflowTotalsKey(org, r.month, r.repository, wf, cc),
      { type: "wftotals", org, period: r.month, repository: r.repository, workflow: wf, costCenter: cc },
      r,
      countsRun,
    );
  }
  return [...items.values()];
}
