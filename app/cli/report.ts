// npx org-flows report --org ORG [--month YYYY-MM] [--repo OWNER/NAME] [--format table|json|csv|html]
// The chargeback per repository from the totals the workflow-run-cost machine keeps: one Query, no Scan.
import { type Command, InvalidArgumentError, Option } from "commander";
import { connectForCli } from "../../infra/local/embedded.js";
import { formatUsd, microsToUsd } from "../pricing/price.js";
import type { RepoTotals } from "../records/run.js";
import { queryTotals } from "../store/chargeback-query.js";
import { closeDynamoClient } from "../store/dynamo.js";
import { rebuildTotals } from "../store/rebuild-totals.js";
import { newCommand, escapeHtml, parseCommand, printRows, STD_IO, EXIT_USAGE, type CliIo, type Column } from "./format.js";
import { UsageError } from "../errors.js";

export const REPORT_FORMATS = ["table", "json", "csv", "html"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const ORG_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const REPO_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9_.-]{1,100}$/;

export function parseOrg(v: string): string {
  if (!ORG_RE.test(v)) throw new InvalidArgumentError("must be an organisation login (letters, digits, '-').");
  return v;
}

export function parseMonth(v: string): string {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(v)) throw new InvalidArgumentError("must be a month YYYY-MM, e.g. 2026-01.");
  return v;
}

function parseRepo(v: string): string {
  if (!REPO_RE.test(v)) throw new InvalidArgumentError("must be OWNER/NAME, e.g. acme/widgets.");
  return v;
}

/** The JSON shape of one repository, as documented in --help. */
export interface ReportJsonRow {
  repository: string;
  runs: number;
  attempts: number;
  minutes: number;
  costUsd: number;
  bySku: Record<string, { minutes: number; costUsd: number }>;
  unknownMinutes: number;
}

/** Dearest first, then by name: the chargeback's readers look at the top. */
export function sortTotals(rows: RepoTotals[]): RepoTotals[] {
  return [...rows].sort((a, b) => b.costMicros - a.costMicros || a.repository.localeCompare(b.repository));
}

export function toJsonRows(rows: RepoTotals[]): ReportJsonRow[] {
  return rows.map((r) => ({
    repository: r.repository,
    runs: r.runs,
    attempts: r.attempts,
    minutes: r.minutes,
    costUsd: microsToUsd(r.costMicros),
    bySku: Object.fromEntries(
      Object.entries(r.bySku)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([sku, t]) => [sku, { minutes: t.minutes, costUsd: microsToUsd(t.costMicros) }]),
    ),
    unknownMinutes: r.unknownMinutes,
  }));
}

/** The sum of all rows, for the table's last line. */
export function grandTotal(rows: RepoTotals[]): RepoTotals {
  const total: RepoTotals = { repository: "TOTAL", period: "", runs: 0, attempts: 0, jobs: 0, minutes: 0, costMicros: 0, unknownMinutes: 0, unknownLabels: [], bySku: {} };
  for (const r of rows) {
    total.runs += r.runs;
    total.attempts += r.attempts;
    total.jobs += r.jobs;
    total.minutes += r.minutes;
    total.costMicros += r.costMicros;
    total.unknownMinutes += r.unknownMinutes;
    for (const [sku, t] of Object.entries(r.bySku)) {
      const s = (total.bySku[sku] ??= { minutes: 0, costMicros: 0 });
      s.minutes += t.minutes;
      s.costMicros += t.costMicros;
    }
  }
  return total;
}

function skusOf(rows: RepoTotals[]): string[] {
  return [...new Set(rows.flatMap((r) => Object.keys(r.bySku)))].sort();
}

/** Table: one column per SKU ("minutes / $cost"); CSV: two numeric columns per SKU, for spreadsheets. */
export function reportColumns(rows: RepoTotals[], format: "table" | "csv"): Column<RepoTotals>[] {
  const skus = skusOf(rows);
  const base: Column<RepoTotals>[] = [
    { key: "repository", header: "Repository", value: (r) => r.repository },
    { key: "runs", header: "Runs", value: (r) => r.runs },
    { key: "attempts", header: "Attempts", value: (r) => r.attempts },
    { key: "minutes", header: "Minutes", value: (r) => r.minutes },
  ];
  if (format === "table") {
    return [
      ...base,
      ...skus.map((sku): Column<RepoTotals> => ({
        key: sku,
        align: "right",
        value: (r) => {
          const t = r.bySku[sku];
          return t ? `${t.minutes} min / $${formatUsd(t.costMicros)}` : "";
        },
      })),
      { key: "unknownMinutes", header: "Unpriced min", value: (r) => r.unknownMinutes },
      { key: "costUsd", header: "Cost (USD)", align: "right", value: (r) => formatUsd(r.costMicros) },
    ];
  }
  return [
    ...base,
    { key: "cost_usd", value: (r) => microsToUsd(r.costMicros) },
    { key: "unknown_minutes", value: (r) => r.unknownMinutes },
    ...skus.flatMap((sku): Column<RepoTotals>[] => [
      { key: `minutes_${sku}`, value: (r) => r.bySku[sku]?.minutes ?? 0 },
      { key: `cost_usd_${sku}`, value: (r) => microsToUsd(r.bySku[sku]?.costMicros ?? 0) },
    ]),
  ];
}

/** Long names would run into the bars; the full name stays in the bar's tooltip and in the table. */
function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export interface HtmlContext {
  org: string;
  month?: string;
  repo?: string;
  generatedAt: Date;
}

/** One self-contained page: inline CSS and SVG, no script, no external asset; every value HTML-escaped. */
export function renderHtml(rows: RepoTotals[], ctx: HtmlContext): string {
  const period = ctx.month ?? "all time";
  const title = `GitHub Actions chargeback: ${ctx.org}${ctx.repo ? ` (${ctx.repo})` : ""}, ${period}`;
  const max = Math.max(1, ...rows.map((r) => r.costMicros));
  const barH = 22;
  const labelW = 260;
  const chartW = 520;
  const bars = rows
    .map((r, i) => {
      const y = i * (barH + 6);
      const w = Math.max(r.costMicros > 0 ? 2 : 0, Math.round((r.costMicros / max) * chartW));
      return (
        `<g transform="translate(0,${y})"><title>${escapeHtml(`${r.repository}: $${formatUsd(r.costMicros)}, ${r.minutes} min`)}</title>` +
        `<text x="${labelW - 8}" y="${barH / 2}" text-anchor="end" dominant-baseline="middle">${escapeHtml(shorten(r.repository, 38))}</text>` +
        `<rect x="${labelW}" y="0" width="${w}" height="${barH}" rx="3" class="bar"/>` +
        `<text x="${labelW + w + 6}" y="${barH / 2}" dominant-baseline="middle">$${escapeHtml(formatUsd(r.costMicros))}</text></g>`
      );
    })
    .join("\n");
  const svgH = Math.max(1, rows.length) * (barH + 6);
  const skus = skusOf(rows);
  const head = ["Repository", "Runs", "Attempts", "Minutes", ...skus, "Unpriced min", "Cost (USD)"].map((h) => `<th>${escapeHtml(h)}</th>`).join("");
  const line = (r: RepoTotals, cls = ""): string =>
    `<tr${cls ? ` class="${cls}"` : ""}><td>${escapeHtml(r.repository)}</td><td>${r.runs}</td><td>${r.attempts}</td><td>${r.minutes}</td>` +
    skus
      .map((sku) => {
        const t = r.bySku[sku];
        return `<td>${t ? `${t.minutes} min<br>$${escapeHtml(formatUsd(t.costMicros))}` : ""}</td>`;
      })
      .join("") +
    `<td>${r.unknownMinutes}</td><td>$${escapeHtml(formatUsd(r.costMicros))}</td></tr>`;
  const body = rows.length
    ? `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="Cost per repository" width="${labelW + chartW + 90}" height="${svgH}" viewBox="0 0 ${labelW + chartW + 90} ${svgH}">\n${bars}\n</svg>\n` +
      `<table><thead><tr>${head}</tr></thead><tbody>\n${rows.map((r) => line(r)).join("\n")}\n${line(grandTotal(rows), "total")}</tbody></table>`
    : `<p>No totals recorded for this period.</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1f2328}
h1{font-size:1.3rem}
.note{color:#59636e}
svg text{font:12px system-ui,sans-serif;fill:#1f2328}
.bar{fill:#2f81f7}
table{border-collapse:collapse;margin-top:1.5rem}
th,td{border:1px solid #d1d9e0;padding:.3rem .6rem;text-align:right;vertical-align:top}
th:first-child,td:first-child{text-align:left}
thead th{background:#f6f8fa}
tr.total td{font-weight:600;background:#f6f8fa}
</style></head><body>
<h1>${escapeHtml(title)}</h1>
<p class="note">Gross cost at GitHub's per-minute rates (each job rounded up to the minute, every attempt billed), before included minutes and discounts. Generated ${escapeHtml(ctx.generatedAt.toISOString())}.</p>
${body}
</body></html>
`;
}

const HELP_AFTER = `
Figures are the gross cost at GitHub's list prices (or the org's .github/chargeback.yml override), each job
rounded up to the minute and every attempt billed. Included minutes and discounts apply per account, not per
repository: compare with GitHub's own figures using "npx org-flows reconcile".

Without --month the figures are all-time; --month picks one UTC calendar month.

Formats:
  table  a readable table with one column per runner SKU (default)
  json   [{ repository, runs, attempts, minutes, costUsd, bySku: { <sku>: { minutes, costUsd } }, unknownMinutes }]
  csv    one line per repository, two columns per SKU (minutes_<sku>, cost_usd_<sku>)
  html   one self-contained page with a bar chart and the table (save it and open it in a browser)

Examples:
  npx org-flows report --org acme
  npx org-flows report --org acme --month 2026-01 --format csv > acme-2026-01.csv
  npx org-flows report --org acme --repo acme/widgets --format json
`;

export function reportProgram(): Command {
  return newCommand("report")
    .description("Chargeback per repository: GitHub Actions runs, minutes and cost per runner SKU, as GitHub bills them.")
    .requiredOption("--org <org>", "the organisation (login)", parseOrg)
    .option("--month <yyyy-mm>", "one UTC month, e.g. 2026-01 (default: all-time)", parseMonth)
    .option("--repo <owner/name>", "only this repository of the organisation", parseRepo)
    .addOption(new Option("--format <format>", "output format").choices(REPORT_FORMATS).default("table"))
    .option("--rebuild", "first recompute the org's totals from its run records (repairs totals after a failed execution)")
    .addHelpText("after", HELP_AFTER)
    .allowExcessArguments(false);
}

interface ReportOptions {
  org: string;
  month?: string;
  repo?: string;
  format: ReportFormat;
  rebuild?: boolean;
}

export async function main(argv: string[], io: CliIo = STD_IO): Promise<number> {
  const program = reportProgram();
  const code = await parseCommand(program, argv, io, "report");
  if (code !== undefined) return code;
  const opts = program.opts<ReportOptions>();
  try {
    if (opts.repo && opts.repo.split("/")[0]!.toLowerCase() !== opts.org.toLowerCase()) {
      throw new UsageError(`--repo ${opts.repo} is not a repository of --org ${opts.org}`);
    }
    const conn = await connectForCli();
    let rows: RepoTotals[];
    try {
      if (opts.rebuild) await rebuildTotals(opts.org, (m) => io.err.write(`report: rebuild: ${m}\n`));
      rows = sortTotals(await queryTotals({ org: opts.org, month: opts.month, repo: opts.repo }));
    } finally {
      closeDynamoClient();
      await conn.close();
    }
    if (opts.format === "json") {
      io.out.write(`${JSON.stringify(toJsonRows(rows), null, 2)}\n`);
    } else if (opts.format === "html") {
      io.out.write(renderHtml(rows, { org: opts.org, month: opts.month, repo: opts.repo, generatedAt: new Date() }));
    } else if (opts.format === "csv") {
      printRows(rows, reportColumns(rows, "csv"), "csv", io.out);
    } else if (rows.length === 0) {
      io.out.write(`No totals recorded for ${opts.repo ?? opts.org}, ${opts.month ?? "all time"}.\n`);
    } else {
      printRows(rows, reportColumns(rows, "table"), "table", io.out, [grandTotal(rows)]);
    }
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.err.write(`report: ${message}\n`);
    return err instanceof UsageError ? EXIT_USAGE : 1;
  }
}

