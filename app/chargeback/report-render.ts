// The report's formats: table (fits 120 columns), json, csv (fixed columns), html (a chart per view, the budgets)
// and focus (FinOps FOCUS columns). Pure: each takes the model(s) built by report-model.ts and returns text.
// Every output names the org, the period and when it was generated; json and csv carry exact amounts (USD to six
// places and integer micro-dollars), table and html show cents allocated so that they add up to the total rounded
// once; unpriced minutes are shown as unpriced, never as $0.00.
import Table from "cli-table3";
import { escapeHtml, plainText, renderCsv, type Column } from "../cli/format.js";
import { skuInfo } from "../pricing/sku-names.js";
import { SELF_HOSTED_SKU, UNKNOWN_SKU } from "../pricing/sku.js";
import { centsOf, VIEW_KEY, type BudgetStatus, type ReportModel, type View, type ViewRow } from "./report-model.js";

export const TABLE_WIDTH = 120;

const VIEW_TITLE: Record<View, string> = { repo: "by repository", "cost-center": "by cost centre", workflow: "by workflow", sku: "by runner SKU" };

/** "12.34" from cents. */
export function usd(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

/** The cost as shown: dollars and cents, or "unpriced" for a row whose minutes could not be priced at all. */
export function costText(r: Pick<ViewRow, "cents" | "costMicros" | "unpricedMinutes" | "minutes">): string {
  if (r.costMicros === 0 && r.unpricedMinutes > 0 && r.unpricedMinutes === r.minutes) return "unpriced";
  return `$${usd(r.cents)}`;
}

function heading(m: ReportModel): string {
  return `GitHub Actions chargeback: ${m.org}${m.repo ? ` (${m.repo})` : ""}, ${m.period.label}, ${VIEW_TITLE[m.view]}`;
}

const NOTE = "Gross cost at GitHub's per-minute rates (each job rounded up to the minute, every attempt billed), before included minutes and discounts.";

// ---------------------------------------------------------------- table

/** Cut to `width`, with no control character left (names come from repositories, workflows and properties). */
function truncate(raw: string, width: number): string {
  const s = plainText(raw);
  return s.length <= width ? s : `${s.slice(0, Math.max(1, width - 1))}…`;
}

/**
 * A plain table no wider than `max` columns: text columns are narrowed (widest first, with an ellipsis) until the
 * whole table fits; numbers are never cut.
 */
export function fitTable(head: string[], rows: string[][], numeric: boolean[], max = TABLE_WIDTH): string {
  rows = rows.map((r) => r.map(plainText));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const overall = (): number => widths.reduce((a, b) => a + b, 0) + 3 * widths.length + 1;
  while (overall() > max) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (!numeric[i] && w > 8 && (widest < 0 || w > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest]! -= 1;
  }
  const table = new Table({
    head: head.map((h, i) => truncate(h, widths[i]!)),
    colAligns: numeric.map((n) => (n ? "right" : "left")),
    style: { head: [], border: [], "padding-left": 1, "padding-right": 1 },
  });
  for (const r of rows) table.push(r.map((c, i) => truncate(c, widths[i]!)));
  return table.toString();
}

interface ViewColumns {
  head: string[];
  numeric: boolean[];
  cells: (r: ViewRow) => string[];
}

function viewColumns(view: View): ViewColumns {
  const amounts = (r: ViewRow): string[] => [
    r.runs === null ? "" : String(r.runs),
    r.attempts === null ? "" : String(r.attempts),
    String(r.minutes),
    String(r.unpricedMinutes),
    costText(r),
  ];
  const amountHead = ["Runs", "Attempts", "Minutes", "Unpriced min", "Cost (USD)"];
  const nums = [true, true, true, true, true];
  if (view === "repo") return { head: ["Repository", ...amountHead], numeric: [false, ...nums], cells: (r) => [r.key, ...amounts(r)] };
  if (view === "cost-center") return { head: ["Cost centre", ...amountHead], numeric: [false, ...nums], cells: (r) => [r.key, ...amounts(r)] };
  if (view === "workflow") {
    return {
      head: ["Repository", "Workflow", "Cost centre", ...amountHead],
      numeric: [false, false, false, ...nums],
      cells: (r) => (r.key === "TOTAL" ? ["TOTAL", "", "", ...amounts(r)] : [r.repository ?? "", r.key, (r.costCenters ?? []).join(", "), ...amounts(r)]),
    };
  }
  return {
    head: ["SKU", "GitHub id", "Runner", "Minutes", "Unpriced min", "Cost (USD)"],
    numeric: [false, false, false, true, true, true],
    cells: (r) =>
      r.key === "TOTAL"
        ? ["TOTAL", "", "", String(r.minutes), String(r.unpricedMinutes), costText(r)]
        : [r.key, r.skuId ?? r.key, r.skuName ?? "", String(r.minutes), String(r.unpricedMinutes), costText(r)],
  };
}

function pct(part: number, whole: number): string {
  return whole > 0 ? `${((part * 100) / whole).toFixed(1)}%` : "";
}

function budgetRows(budgets: BudgetStatus[]): string[][] {
  return budgets.map((b) => [
    b.scope,
    `$${usd(centsOf(b.budgetMicros))}`,
    `$${usd(centsOf(b.mtdMicros))}`,
    pct(b.mtdMicros, b.budgetMicros),
    `$${usd(centsOf(b.forecastMicros))}`,
    pct(b.forecastMicros, b.budgetMicros),
    b.alerted.length ? b.alerted.map((p) => `${p}%`).join(" ") : "none",
  ]);
}

/** Words wrapped to the table width. */
export function wrap(text: string, width = TABLE_WIDTH): string[] {
  const out: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      out.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(line);
  return out;
}

export function renderReportTable(m: ReportModel): string {
  const lines = [...wrap(heading(m)), ...wrap(`Generated ${m.generatedAt}. ${NOTE}`)];
  if (m.rows.length === 0) {
    lines.push(...wrap(`No totals recorded for ${m.repo ?? m.org}, ${m.period.label}.`));
  } else {
    const c = viewColumns(m.view);
    lines.push(fitTable(c.head, [...m.rows.map(c.cells), c.cells(m.total)], c.numeric));
    if (m.view === "sku") lines.push(...wrap("Runs and attempts do not split by SKU (one attempt can use several runners): see the other views."));
  }
  if (m.budgets.length) {
    lines.push(...wrap(`Budgets, ${m.budgets[0]!.month} (linear forecast to month end; settings: ${m.settingsSource ?? "unknown"})`));
    lines.push(
      fitTable(["Scope", "Budget", "Month to date", "% used", "Forecast", "% forecast", "Alerts sent"], budgetRows(m.budgets), [
        false,
        true,
        true,
        true,
        true,
        true,
        false,
      ]),
    );
  }
  return `${lines.join("\n")}\n`;
}

// ---------------------------------------------------------------- json

function jsonRow(view: View, r: ViewRow): Record<string, unknown> {
  const key: Record<string, unknown> = r.key === "TOTAL" ? {} : { [VIEW_KEY[view]]: r.key };
  if (r.key !== "TOTAL" && view === "workflow") Object.assign(key, { repository: r.repository, costCenters: r.costCenters });
  if (r.key !== "TOTAL" && view === "sku") Object.assign(key, { skuId: r.skuId, skuName: r.skuName });
  const unpricedOnly = costText(r) === "unpriced";
  return {
    ...key,
    runs: r.runs,
    attempts: r.attempts,
    minutes: r.minutes,
    unpricedMinutes: r.unpricedMinutes,
    // Exact to the micro-dollar (the table and the page show the cents); null when nothing could be priced.
    costUsd: unpricedOnly ? null : r.costMicros / 1_000_000,
    costMicros: r.costMicros,
    bySku: Object.fromEntries(
      Object.entries(r.bySku)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([sku, t]) => [sku, { name: skuInfo(sku).name, minutes: t.minutes, costMicros: t.costMicros, unpriced: sku === UNKNOWN_SKU }]),
    ),
  };
}

function jsonBudget(b: BudgetStatus): Record<string, unknown> {
  return {
    scope: b.scope,
    month: b.month,
    monthlyUsd: b.budgetMicros / 1_000_000,
    monthToDateUsd: b.mtdMicros / 1_000_000,
    monthToDateMicros: b.mtdMicros,
    forecastUsd: b.forecastMicros / 1_000_000,
    forecastMicros: b.forecastMicros,
    alertAt: b.alertAt,
    reached: b.reached,
    alerted: b.alerted,
  };
}

export function reportJson(m: ReportModel): Record<string, unknown> {
  return {
    org: m.org,
    ...(m.repo ? { repository: m.repo } : {}),
    period: m.period.label,
    periodStart: m.period.start ?? null,
    periodEnd: m.period.end ?? null,
    generatedAt: m.generatedAt,
    view: m.view,
    currency: "USD",
    note: NOTE,
    rows: m.rows.map((r) => jsonRow(m.view, r)),
    total: jsonRow(m.view, m.total),
    budgets: m.budgets.map(jsonBudget),
    ...(m.settingsSource ? { settingsSource: m.settingsSource } : {}),
  };
}

export function renderReportJson(m: ReportModel): string {
  return `${JSON.stringify(reportJson(m), null, 2)}\n`;
}

// ---------------------------------------------------------------- csv

/** The same columns whatever SKUs, repositories or cost centres occur: only the view chooses the key columns. */
export function csvColumns(m: ReportModel): Column<ViewRow>[] {
  const meta: Column<ViewRow>[] = [
    { key: "org", value: () => m.org },
    { key: "period", value: () => m.period.label },
    { key: "generated_at", value: () => m.generatedAt },
    { key: "view", value: () => m.view },
  ];
  const keys: Record<View, Column<ViewRow>[]> = {
    repo: [{ key: "repository", value: (r) => r.key }],
    "cost-center": [{ key: "cost_center", value: (r) => r.key }],
    workflow: [
      { key: "repository", value: (r) => r.repository ?? "" },
      { key: "workflow", value: (r) => r.key },
      { key: "cost_centers", value: (r) => (r.costCenters ?? []).join(";") },
    ],
    sku: [
      { key: "sku", value: (r) => r.key },
      { key: "sku_id", value: (r) => r.skuId ?? r.key },
      { key: "sku_name", value: (r) => r.skuName ?? "" },
    ],
  };
  return [
    ...meta,
    ...keys[m.view],
    { key: "runs", value: (r) => r.runs ?? "" },
    { key: "attempts", value: (r) => r.attempts ?? "" },
    { key: "minutes", value: (r) => r.minutes },
    { key: "unpriced_minutes", value: (r) => r.unpricedMinutes },
    { key: "cost_usd", value: (r) => (costText(r) === "unpriced" ? "" : decimalUsd(r.costMicros)) },
    { key: "cost_micros", value: (r) => r.costMicros },
  ];
}

/** One line per row; the total is the column sum and is not repeated as a line (a spreadsheet would add it twice). */
export function renderReportCsv(m: ReportModel): string {
  return renderCsv(m.rows, csvColumns(m));
}

// ---------------------------------------------------------------- focus

/** One FOCUS row's source: a workflow cell's month for one SKU. */
export interface FocusCell {
  org: string;
  repository: string;
  workflow: string;
  costCenter: string;
  month: string;
  sku: string;
  minutes: number;
  costMicros: number;
}

/**
 * The FOCUS release the export follows: 1.4, ratified 2026-06-04, the current one
 * (https://focus.finops.org/focus-specification/).
 */
export const FOCUS_VERSION = "1.4";

/**
 * The mandatory columns of the Cost and Usage dataset in FOCUS 1.4: 1.2's, with ServiceProviderName and
 * HostProviderName (added in 1.3) in place of ProviderName and PublisherName (deprecated in 1.3, removed in 1.4).
 */
export const FOCUS_MANDATORY_COLUMNS = [
  "BilledCost",
  "BillingAccountId",
  "BillingAccountName",
  "BillingCurrency",
  "BillingPeriodEnd",
  "BillingPeriodStart",
  "ChargeCategory",
  "ChargeClass",
  "ChargeDescription",
  "ChargePeriodEnd",
  "ChargePeriodStart",
  "ContractedCost",
  "EffectiveCost",
  "HostProviderName",
  "InvoiceIssuerName",
  "ListCost",
  "PricingQuantity",
  "PricingUnit",
  "ServiceCategory",
  "ServiceName",
  "ServiceProviderName",
] as const;

/**
 * FinOps FOCUS columns (https://focus.finops.org/): every mandatory column of FOCUS_VERSION and the conditional and
 * recommended ones this data has, in the specification's (alphabetical) order, plus x_ columns of this product.
 * Costs are the gross list cost: Billed = Effective = List = Contracted (GitHub's included minutes and discounts
 * apply per account; reconcile shows them).
 */
export const FOCUS_COLUMNS = [
  "AvailabilityZone",
  "BilledCost",
  "BillingAccountId",
  "BillingAccountName",
  "BillingAccountType",
  "BillingCurrency",
  "BillingPeriodEnd",
  "BillingPeriodStart",
  "CapacityReservationId",
  "CapacityReservationStatus",
  "ChargeCategory",
  "ChargeClass",
  "ChargeDescription",
  "ChargeFrequency",
  "ChargePeriodEnd",
  "ChargePeriodStart",
  "CommitmentDiscountCategory",
  "CommitmentDiscountId",
  "CommitmentDiscountName",
  "CommitmentDiscountQuantity",
  "CommitmentDiscountStatus",
  "CommitmentDiscountType",
  "CommitmentDiscountUnit",
  "ConsumedQuantity",
  "ConsumedUnit",
  "ContractedCost",
  "ContractedUnitPrice",
  "EffectiveCost",
  "HostProviderName",
  "InvoiceId",
  "InvoiceIssuerName",
  "ListCost",
  "ListUnitPrice",
  "PricingCategory",
  "PricingQuantity",
  "PricingUnit",
  "RegionId",
  "RegionName",
  "ResourceId",
  "ResourceName",
  "ResourceType",
  "ServiceCategory",
  "ServiceName",
  "ServiceProviderName",
  "ServiceSubcategory",
  "SkuId",
  "SkuMeter",
  "SkuPriceDetails",
  "SkuPriceId",
  "SubAccountId",
  "SubAccountName",
  "SubAccountType",
  "Tags",
  "x_CostMicros",
  "x_UnpricedMinutes",
  "x_GeneratedAt",
] as const;

/** A decimal with up to 6 places from micro-dollars, exact: 1234567 -> "1.234567". */
export function decimalUsd(micros: number): string {
  const m = Math.round(micros);
  const whole = Math.floor(m / 1_000_000);
  const frac = String(m % 1_000_000)
    .padStart(6, "0")
    .replace(/0+$/, "");
  return frac ? `${whole}.${frac}` : String(whole);
}

function monthStart(month: string, add = 0): string {
  const [y, mo] = month.split("-").map(Number) as [number, number];
  return new Date(Date.UTC(y, mo - 1 + add, 1)).toISOString().replace(".000Z", "Z");
}

export function focusRows(cells: FocusCell[], generatedAt: string): Array<Record<(typeof FOCUS_COLUMNS)[number], string | number | null>> {
  return [...cells]
    .sort(
      (a, b) =>
        a.month.localeCompare(b.month) ||
        a.repository.localeCompare(b.repository) ||
        a.workflow.localeCompare(b.workflow) ||
        a.costCenter.localeCompare(b.costCenter) ||
        a.sku.localeCompare(b.sku),
    )
    .map((c) => {
      const info = skuInfo(c.sku);
      const unpriced = c.sku === UNKNOWN_SKU;
      const cost = decimalUsd(c.costMicros);
      // One rate per (SKU, month) unless an override starts mid-month: the unit price is then the average.
      const unit = c.minutes > 0 && !unpriced ? decimalUsd(Math.round(c.costMicros / c.minutes)) : null;
      const start = monthStart(c.month);
      const end = monthStart(c.month, 1);
      return {
        AvailabilityZone: null,
        BilledCost: cost,
        BillingAccountId: c.org,
        BillingAccountName: c.org,
        BillingAccountType: "GitHub organization",
        BillingCurrency: "USD",
        BillingPeriodEnd: end,
        BillingPeriodStart: start,
        CapacityReservationId: null,
        CapacityReservationStatus: null,
        ChargeCategory: "Usage",
        ChargeClass: null,
        ChargeDescription: `GitHub Actions minutes on ${info.name}${unpriced ? " (unpriced: runner not recognised)" : ""}, ${c.repository} ${c.workflow}`,
        ChargeFrequency: "Usage-Based",
        ChargePeriodEnd: end,
        ChargePeriodStart: start,
        CommitmentDiscountCategory: null,
        CommitmentDiscountId: null,
        CommitmentDiscountName: null,
        CommitmentDiscountQuantity: null,
        CommitmentDiscountStatus: null,
        CommitmentDiscountType: null,
        CommitmentDiscountUnit: null,
        ConsumedQuantity: c.minutes,
        ConsumedUnit: "Minutes",
        ContractedCost: cost,
        ContractedUnitPrice: unit,
        EffectiveCost: cost,
        // A self-hosted runner runs on the org's own machines; every other runner on GitHub's.
        HostProviderName: c.sku.startsWith(SELF_HOSTED_SKU) ? c.org : "GitHub",
        // The app prices runs as they happen; GitHub's invoice (and its id) comes at the end of the billing period.
        InvoiceId: null,
        InvoiceIssuerName: "GitHub",
        ListCost: cost,
        ListUnitPrice: unit,
        PricingCategory: "Standard",
        PricingQuantity: c.minutes,
        PricingUnit: "Minutes",
        RegionId: null,
        RegionName: null,
        ResourceId: `${c.repository}/${c.workflow}`,
        ResourceName: c.workflow,
        ResourceType: "GitHub Actions workflow",
        ServiceCategory: "Developer Tools",
        ServiceName: "GitHub Actions",
        ServiceProviderName: "GitHub",
        ServiceSubcategory: "Continuous Integration and Deployment",
        SkuId: info.id,
        SkuMeter: "Actions minutes",
        SkuPriceDetails: JSON.stringify({ runner: info.name }),
        SkuPriceId: unit === null ? null : `${info.id}@${unit}`,
        SubAccountId: c.repository,
        SubAccountName: c.repository,
        SubAccountType: "GitHub repository",
        Tags: JSON.stringify({ repository: c.repository, workflow: c.workflow, costCenter: c.costCenter }),
        x_CostMicros: c.costMicros,
        x_UnpricedMinutes: unpriced ? c.minutes : 0,
        x_GeneratedAt: generatedAt,
      };
    });
}

/** FOCUS as CSV: the columns above, always all of them, one line per (month, repository, workflow, cost centre, SKU). */
export function renderFocusCsv(cells: FocusCell[], generatedAt: string): string {
  const rows = focusRows(cells, generatedAt);
  const columns: Column<(typeof rows)[number]>[] = FOCUS_COLUMNS.map((k) => ({ key: k, value: (r) => r[k] }));
  return renderCsv(rows, columns);
}

// ---------------------------------------------------------------- html

const PALETTE = ["#2f81f7", "#1a7f37", "#bf8700", "#cf222e", "#8250df", "#0969da", "#bc4c00", "#57606a"];

function rowLabel(view: View, r: ViewRow): string {
  if (view === "workflow") return `${r.repository ?? ""} ${r.key}`;
  if (view === "sku") return `${r.skuName ?? r.key} (${r.skuId ?? r.key})`;
  return r.key;
}

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** A horizontal bar chart as inline SVG: no script, no external asset. At most 25 bars; the rest are summed. */
function barChart(m: ReportModel): string {
  const top = m.rows.slice(0, 25);
  const rest = m.rows.slice(25);
  const bars = top.map((r) => ({ label: rowLabel(m.view, r), cents: r.cents, micros: r.costMicros, unpriced: costText(r) === "unpriced", minutes: r.minutes }));
  if (rest.length) {
    bars.push({
      label: `${rest.length} more`,
      cents: rest.reduce((a, r) => a + r.cents, 0),
      micros: rest.reduce((a, r) => a + r.costMicros, 0),
      unpriced: false,
      minutes: rest.reduce((a, r) => a + r.minutes, 0),
    });
  }
  const max = Math.max(1, ...bars.map((b) => b.micros));
  const barH = 20;
  const labelW = 300;
  const chartW = 480;
  const body = bars
    .map((b, i) => {
      const y = i * (barH + 6);
      const w = b.micros > 0 ? Math.max(2, Math.round((b.micros / max) * chartW)) : 0;
      const value = b.unpriced ? `unpriced (${b.minutes} min)` : `$${usd(b.cents)}`;
      return (
        `<g class="bar-row" transform="translate(0,${y})"><title>${escapeHtml(`${b.label}: ${value}, ${b.minutes} min`)}</title>` +
        `<text x="${labelW - 8}" y="${barH / 2}" text-anchor="end" dominant-baseline="middle">${escapeHtml(shorten(b.label, 44))}</text>` +
        `<rect class="bar" x="${labelW}" y="0" width="${w}" height="${barH}" rx="3" fill="${PALETTE[i % PALETTE.length]}" data-micros="${b.micros}"/>` +
        `<text x="${labelW + w + 6}" y="${barH / 2}" dominant-baseline="middle">${escapeHtml(value)}</text></g>`
      );
    })
    .join("\n");
  const h = Math.max(1, bars.length) * (barH + 6);
  const width = labelW + chartW + 140;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" aria-label="Cost ${escapeHtml(VIEW_TITLE[m.view])}" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}">\n${body}\n</svg>`;
}

function htmlTable(m: ReportModel): string {
  const c = viewColumns(m.view);
  const head = c.head.map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const line = (r: ViewRow, cls: string): string =>
    `<tr class="${cls}"${r.key === "TOTAL" ? "" : ` data-micros="${r.costMicros}"`}>${c
      .cells(r)
      .map((cell, i) => `<td${c.numeric[i] ? ' class="num"' : ""}>${escapeHtml(cell)}</td>`)
      .join("")}</tr>`;
  return `<table><thead><tr>${head}</tr></thead><tbody>\n${m.rows.map((r) => line(r, "row")).join("\n")}\n${line(m.total, "total")}</tbody></table>`;
}

/** Each budget as a bar: month to date against the budget, the forecast as a lighter bar, thresholds as ticks. */
function budgetChart(budgets: BudgetStatus[]): string {
  const labelW = 260;
  const chartW = 480;
  const barH = 22;
  const rows = budgets
    .map((b, i) => {
      const scale = Math.max(b.budgetMicros, b.forecastMicros, b.mtdMicros, 1);
      const x = (micros: number): number => labelW + Math.round((micros / scale) * chartW);
      const y = i * (barH + 14);
      const ticks = b.alertAt
        .map((p) => {
          const tx = x((b.budgetMicros * p) / 100);
          return `<line class="tick" x1="${tx}" x2="${tx}" y1="-3" y2="${barH + 3}"><title>${p}%</title></line>`;
        })
        .join("");
      return (
        `<g class="budget" transform="translate(0,${y})"><title>${escapeHtml(`${b.scope}: $${usd(centsOf(b.mtdMicros))} of $${usd(centsOf(b.budgetMicros))}, forecast $${usd(centsOf(b.forecastMicros))}`)}</title>` +
        `<text x="${labelW - 8}" y="${barH / 2}" text-anchor="end" dominant-baseline="middle">${escapeHtml(shorten(b.scope, 36))}</text>` +
        `<rect class="budget-limit" x="${labelW}" y="0" width="${x(b.budgetMicros) - labelW}" height="${barH}"/>` +
        `<rect class="forecast" x="${labelW}" y="${barH / 4}" width="${x(b.forecastMicros) - labelW}" height="${barH / 2}"/>` +
        `<rect class="mtd${b.reached.length ? " over" : ""}" x="${labelW}" y="${barH / 4}" width="${x(b.mtdMicros) - labelW}" height="${barH / 2}"/>` +
        ticks +
        `<text x="${labelW + chartW + 8}" y="${barH / 2}" dominant-baseline="middle">${escapeHtml(pct(b.mtdMicros, b.budgetMicros))}</text></g>`
      );
    })
    .join("\n");
  const h = Math.max(1, budgets.length) * (barH + 14);
  const width = labelW + chartW + 80;
  return `<svg xmlns="http://www.w3.org/2000/svg" class="chart budgets-chart" role="img" aria-label="Budgets" width="${width}" height="${h}" viewBox="0 0 ${width} ${h}">\n${rows}\n</svg>`;
}

/**
 * One self-contained page: every view (the chosen one first) with its chart and table, then the budgets. Inline
 * CSS and SVG only (no script, no external asset, a Content-Security-Policy that forbids both); every value
 * HTML-escaped.
 */
export function renderReportHtml(models: ReportModel[]): string {
  const first = models[0]!;
  const title = `GitHub Actions chargeback: ${first.org}${first.repo ? ` (${first.repo})` : ""}, ${first.period.label}`;
  const sections = models
    .map((m) => {
      const body = m.rows.length ? `${barChart(m)}\n${htmlTable(m)}` : `<p>No totals recorded for this period.</p>`;
      return `<section class="view" id="view-${m.view}" data-view="${m.view}" data-total-micros="${m.total.costMicros}">\n<h2>${escapeHtml(`Cost ${VIEW_TITLE[m.view]}`)}</h2>\n${body}\n</section>`;
    })
    .join("\n");
  const budgets = first.budgets;
  const budgetSection = budgets.length
    ? `<section id="budgets">\n<h2>${escapeHtml(`Budgets, ${budgets[0]!.month}`)}</h2>\n<p class="note">Month to date (dark), linear forecast to month end (light), alert thresholds (ticks). Settings: ${escapeHtml(first.settingsSource ?? "unknown")}.</p>\n${budgetChart(budgets)}\n` +
      `<table><thead><tr>${["Scope", "Budget", "Month to date", "% used", "Forecast", "% forecast", "Alerts sent"].map((h) => `<th>${h}</th>`).join("")}</tr></thead><tbody>\n` +
      budgetRows(budgets)
        .map((r) => `<tr class="budget-row">${r.map((c, i) => `<td${i > 0 && i < 6 ? ' class="num"' : ""}>${escapeHtml(c)}</td>`).join("")}</tr>`)
        .join("\n") +
      `</tbody></table>\n</section>`
    : `<section id="budgets"><h2>Budgets</h2><p>No budgets configured (budgets: in .github/chargeback.yml).</p></section>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1f2328}
h1{font-size:1.3rem}
h2{font-size:1.1rem;margin-top:2rem}
.note{color:#59636e}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}
.budget-limit{fill:#eaeef2}
.forecast{fill:#9ec5fe}
.mtd{fill:#2f81f7}
.mtd.over{fill:#cf222e}
.tick{stroke:#1f2328;stroke-width:1.5}
table{border-collapse:collapse;margin-top:1rem}
th,td{border:1px solid #d1d9e0;padding:.3rem .6rem;text-align:left;vertical-align:top}
td.num{text-align:right}
thead th{background:#f6f8fa}
tr.total td{font-weight:600;background:#f6f8fa}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="note" id="meta" data-org="${escapeHtml(first.org)}" data-period="${escapeHtml(first.period.label)}" data-generated-at="${escapeHtml(first.generatedAt)}">Organisation ${escapeHtml(first.org)}, period ${escapeHtml(first.period.label)}, generated ${escapeHtml(first.generatedAt)}. ${escapeHtml(NOTE)} Cents are allocated so that every table adds up to its total.</p>
${sections}
${budgetSection}
</body></html>
`;
}
