// Renders the per-pull-request and per-job views (app/chargeback/run-views.ts) as a table, JSON or CSV. Cents are
// allocated as in the other views, so the rows add up to the total shown. Pure.
import { printRows, type Column, type RowFormat, type Writer } from "../cli/format.js";
import { formatUsd, microsToUsd } from "../pricing/price.js";
import { allocateCents, type Period } from "./report-model.js";
import { runViewTotal, type RunView, type RunViewRow } from "./run-views.js";

export interface RunViewModel {
  org: string;
  period: Period;
  generatedAt: string;
  view: RunView;
  repo?: string;
  rows: RunViewRow[];
}

type Shown = RunViewRow & { cents: number; total?: boolean };

function dollars(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

function columns(m: RunViewModel, format: RowFormat): Column<Shown>[] {
  const money = (r: Shown): string | number => (format === "table" ? dollars(r.cents) : microsToUsd(r.costMicros));
  const keyHeader = m.view === "pull-request" ? "Pull request" : "Job";
  return [
    { key: "repository", header: "Repository", value: (r) => r.repository },
    { key: m.view === "pull-request" ? "pullRequest" : "job", header: keyHeader, value: (r) => r.key },
    m.view === "pull-request"
      ? { key: "runs", header: "Runs", value: (r) => r.runs }
      : { key: "runs", header: "Runs", value: (r) => (r.total ? null : r.runs) },
    { key: "attempts", header: m.view === "pull-request" ? "Attempts" : "Job runs", value: (r) => r.attempts },
    { key: "minutes", header: "Minutes", value: (r) => r.minutes },
    { key: "costUsd", header: "Cost (USD)", align: "right", value: money },
    ...(format === "table" ? [] : [{ key: "costMicros", value: (r: Shown) => r.costMicros }]),
    { key: m.view === "pull-request" ? "branches" : "skus", header: m.view === "pull-request" ? "Branch" : "SKU", value: (r) => r.detail.join(" ") },
    { key: "freeMinutes", header: "Free min", value: (r) => r.freeMinutes },
    { key: "freeReasons", header: "Why free", value: (r) => r.freeReasons.join("; ") },
  ];
}

function shown(m: RunViewModel): { rows: Shown[]; total: Shown } {
  const cents = allocateCents(m.rows.map((r) => r.costMicros));
  const rows = m.rows.map((r, i) => ({ ...r, cents: cents[i]! }));
  const t = runViewTotal(m.rows);
  const total: Shown = { repository: "Total", key: "", ...t, detail: [], freeReasons: [], cents: cents.reduce((a, b) => a + b, 0), total: true };
  return { rows, total };
}

export function renderRunView(m: RunViewModel, format: RowFormat, out: Writer): void {
  const { rows, total } = shown(m);
  if (format === "json") {
    const cols = columns(m, "json");
    const obj = (r: Shown): Record<string, unknown> => Object.fromEntries(cols.map((c) => [c.key, c.value(r) ?? null]));
    out.write(
      `${JSON.stringify(
        {
          org: m.org,
          period: m.period.label,
          generatedAt: m.generatedAt,
          view: m.view,
          repo: m.repo ?? null,
          currency: "USD",
          rows: rows.map(obj),
          total: obj(total),
        },
        null,
        2,
      )}\n`,
    );
    return;
  }
  if (format === "table") {
    out.write(
      `${m.org} ${m.view === "pull-request" ? "cost per pull request" : "cost per job"}${m.repo ? ` in ${m.repo}` : ""}, ${m.period.label} (gross, USD)\n`,
    );
  }
  printRows(rows, columns(m, format), format, out, format === "table" ? [total] : []);
  if (format === "table" && rows.length === 0) out.write("No recorded runs for this period.\n");
  if (format === "table") out.write(`Total $${formatUsd(total.costMicros)} over ${total.minutes} min.\n`);
}
