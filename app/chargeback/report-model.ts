// The chargeback report as numbers, before any format: one row per key of the view, a total that is the sum of the
// rows (integers: minutes and micro-dollars), cents that add up, and each budget's month-to-date and forecast.
// Pure: app/cli/report.ts reads the aggregates and renders what this builds.
import { skuInfo } from "../pricing/sku-names.js";
import { UNKNOWN_SKU } from "../pricing/sku.js";
import type { RepoTotals } from "../records/totals.js";
import { addAmounts, emptyAmounts, type Amounts } from "../records/totals.js";
import { budgetMicros, forecastMicros, parseScope, reachedThresholds } from "./budgets.js";
import type { Budget } from "./settings.js";

export const VIEWS = ["repo", "cost-center", "workflow", "sku"] as const;
export type View = (typeof VIEWS)[number];

/** The JSON property that names a row in each view. */
export const VIEW_KEY: Record<View, "repository" | "costCenter" | "workflow" | "sku"> = {
  repo: "repository",
  "cost-center": "costCenter",
  workflow: "workflow",
  sku: "sku",
};

export interface ViewRow {
  /** the view's key: repository, cost centre, workflow file or SKU id */
  key: string;
  /** workflow view: the repository of the workflow */
  repository?: string;
  /** workflow view: the cost centres its attempts were charged to */
  costCenters?: string[];
  /** sku view: GitHub's id and a name a person reads */
  skuId?: string;
  skuName?: string;
  /** null in the sku view: one attempt uses several SKUs, so runs and attempts do not split by SKU */
  runs: number | null;
  attempts: number | null;
  minutes: number;
  unpricedMinutes: number;
  costMicros: number;
  /** cents shown: allocated so that the rows' cents add up to the total's, rounded once from micro-dollars */
  cents: number;
  bySku: Record<string, { minutes: number; costMicros: number }>;
}

export interface BudgetStatus {
  scope: string;
  month: string;
  budgetMicros: number;
  mtdMicros: number;
  forecastMicros: number;
  alertAt: number[];
  /** thresholds the month-to-date has reached */
  reached: number[];
  /** thresholds whose alert was sent */
  alerted: number[];
}

export interface Period {
  /** yyyy-mm, or "all time" */
  label: string;
  month?: string;
  /** ISO instants (inclusive start, exclusive end), for a month */
  start?: string;
  end?: string;
}

export interface ReportModel {
  org: string;
  period: Period;
  generatedAt: string;
  view: View;
  repo?: string;
  rows: ViewRow[];
  total: ViewRow;
  budgets: BudgetStatus[];
  /** where the budgets came from: a file given on the command line, or the settings recordings last applied */
  settingsSource?: string;
}

export function periodOf(month: string | undefined): Period {
  if (!month) return { label: "all time" };
  const [y, m] = month.split("-").map(Number) as [number, number];
  return { label: month, month, start: new Date(Date.UTC(y, m - 1, 1)).toISOString(), end: new Date(Date.UTC(y, m, 1)).toISOString() };
}

/** Cents of a micro-dollar amount, rounded half up (amounts are never negative here). */
export function centsOf(micros: number): number {
  return Math.floor((Math.round(micros) + 5_000) / 10_000);
}

/**
 * Cents per row such that they add up to the total's cents (the total rounded once from the summed micro-dollars):
 * each row gets its cents rounded down, and the cents left over go to the rows with the largest remainders (ties in
 * row order). Each row is within one cent of its own amount.
 */
export function allocateCents(micros: number[]): number[] {
  const total = centsOf(micros.reduce((a, b) => a + b, 0));
  const base = micros.map((m) => Math.floor(Math.round(m) / 10_000));
  let left = total - base.reduce((a, b) => a + b, 0);
  const order = micros.map((m, i) => ({ i, rem: Math.round(m) % 10_000 })).sort((a, b) => b.rem - a.rem || a.i - b.i);
  for (const o of order) {
    if (left <= 0) break;
    base[o.i]! += 1;
    left -= 1;
  }
  return base;
}

function row(key: string, a: Amounts, unpricedMinutes: number, extra: Partial<ViewRow> = {}): ViewRow {
  return {
    key,
    runs: a.runs,
    attempts: a.attempts,
    minutes: a.minutes,
    unpricedMinutes,
    costMicros: a.costMicros,
    cents: 0,
    bySku: Object.fromEntries(Object.entries(a.bySku).map(([s, t]) => [s, { minutes: t.minutes, costMicros: t.costMicros }])),
    ...extra,
  };
}

function amountsOfRepo(t: RepoTotals): Amounts {
  return { runs: t.runs, attempts: t.attempts, jobs: t.jobs, minutes: t.minutes, costMicros: t.costMicros, unknownMinutes: t.unknownMinutes, bySku: t.bySku };
}

export interface ReportInputs {
  repos: RepoTotals[];
  costCenters: Array<Amounts & { costCenter: string }>;
  workflows: Array<Amounts & { repository: string; workflow: string; costCenter: string }>;
}

/** The rows of a view, dearest first; cents allocated. */
export function viewRows(view: View, inputs: ReportInputs): ViewRow[] {
  let rows: ViewRow[];
  if (view === "repo") {
    rows = inputs.repos.map((t) => row(t.repository, amountsOfRepo(t), t.unknownMinutes));
  } else if (view === "cost-center") {
    const by = new Map<string, Amounts>();
    for (const c of inputs.costCenters) addAmounts(by.get(c.costCenter) ?? by.set(c.costCenter, emptyAmounts()).get(c.costCenter)!, c);
    rows = [...by].map(([cc, a]) => row(cc, a, a.unknownMinutes));
  } else if (view === "workflow") {
    const by = new Map<string, { repository: string; workflow: string; a: Amounts; ccs: Set<string> }>();
    for (const w of inputs.workflows) {
      const id = `${w.repository.toLowerCase()}\u0000${w.workflow}`;
      let g = by.get(id);
      if (!g) by.set(id, (g = { repository: w.repository, workflow: w.workflow, a: emptyAmounts(), ccs: new Set() }));
      addAmounts(g.a, w);
      g.ccs.add(w.costCenter);
    }
    rows = [...by.values()].map((g) => row(g.workflow, g.a, g.a.unknownMinutes, { repository: g.repository, costCenters: [...g.ccs].sort() }));
  } else {
    const by = new Map<string, { minutes: number; costMicros: number }>();
    for (const t of inputs.repos) {
      for (const [sku, s] of Object.entries(t.bySku)) {
        const acc = by.get(sku) ?? { minutes: 0, costMicros: 0 };
        acc.minutes += s.minutes;
        acc.costMicros += s.costMicros;
        by.set(sku, acc);
      }
    }
    rows = [...by].map(([sku, s]) => {
      const info = skuInfo(sku);
      return {
        key: sku,
        skuId: info.id,
        skuName: info.name,
        runs: null,
        attempts: null,
        minutes: s.minutes,
        unpricedMinutes: sku === UNKNOWN_SKU ? s.minutes : 0,
        costMicros: s.costMicros,
        cents: 0,
        bySku: { [sku]: { ...s } },
      };
    });
  }
  rows.sort(
    (a, b) => b.costMicros - a.costMicros || b.minutes - a.minutes || (a.repository ?? "").localeCompare(b.repository ?? "") || a.key.localeCompare(b.key),
  );
  const cents = allocateCents(rows.map((r) => r.costMicros));
  rows.forEach((r, i) => {
    r.cents = cents[i]!;
  });
  return rows;
}

/** The sum of the rows, exactly (integers), and the cents rounded once from the summed micro-dollars. */
export function totalOf(view: View, rows: ViewRow[]): ViewRow {
  const t: ViewRow = {
    key: "TOTAL",
    runs: view === "sku" ? null : 0,
    attempts: view === "sku" ? null : 0,
    minutes: 0,
    unpricedMinutes: 0,
    costMicros: 0,
    cents: 0,
    bySku: {},
  };
  for (const r of rows) {
    if (t.runs !== null) t.runs += r.runs ?? 0;
    if (t.attempts !== null) t.attempts += r.attempts ?? 0;
    t.minutes += r.minutes;
    t.unpricedMinutes += r.unpricedMinutes;
    t.costMicros += r.costMicros;
    for (const [sku, s] of Object.entries(r.bySku)) {
      const acc = (t.bySku[sku] ??= { minutes: 0, costMicros: 0 });
      acc.minutes += s.minutes;
      acc.costMicros += s.costMicros;
    }
  }
  t.cents = centsOf(t.costMicros);
  return t;
}

/**
 * Each budget's month-to-date and linear forecast for `month`, from the scope's month totals. `now` is the report's
 * time: a month still running is forecast from it, a month that is over forecasts what it spent.
 */
export function budgetStatuses(
  budgets: Budget[],
  month: string,
  now: Date,
  mtd: { org: number; costCenters: Map<string, number>; repos: Map<string, number> },
  alerted: Array<{ scope: string; pct: number; sent: boolean }>,
): BudgetStatus[] {
  return budgets.map((b) => {
    const s = parseScope(b.scope);
    const spent = s.kind === "org" ? mtd.org : s.kind === "cost-center" ? (mtd.costCenters.get(s.name) ?? 0) : (mtd.repos.get(s.name.toLowerCase()) ?? 0);
    const budget = budgetMicros(b);
    return {
      scope: b.scope,
      month,
      budgetMicros: budget,
      mtdMicros: spent,
      forecastMicros: forecastMicros(spent, month, now),
      alertAt: b.alertAt,
      reached: reachedThresholds(spent, budget, b.alertAt),
      alerted: alerted
        .filter((a) => a.sent && a.scope.toLowerCase() === b.scope.toLowerCase())
        .map((a) => a.pct)
        .sort((x, y) => x - y),
    };
  });
}
