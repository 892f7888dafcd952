import { orgAllTimeGsi, orgMonthGsi, SKU_COST_PREFIX, SKU_MINUTES_PREFIX, totalsSk, type RunRecord } from "./run.js";

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
      a = { org: r.org.toLowerCase(), repository: r.repository, pk: r.pk, period, runIds: new Set(), attempts: 0, jobs: 0, minutes: 0, costMicros: 0, unknownMinutes: 0, unknownLabels: new Set(), sku: new Map() };
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
