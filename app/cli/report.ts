// npx org-flows report --org ORG [--month YYYY-MM] [--repo OWNER/NAME] [--by repo|cost-center|workflow|sku]
//                      [--format table|json|csv|html|focus] [--rebuild] [--reallocate] [--config FILE]
// The chargeback from the totals the workflow-run-cost machine keeps: Queries, never a Scan.
import { readFileSync } from "node:fs";
import { type Command, InvalidArgumentError, Option } from "commander";
import { connectForCli } from "../../infra/local/embedded.js";
import { budgetStatuses, periodOf, totalOf, viewRows, VIEWS, type ReportInputs, type ReportModel, type View } from "../chargeback/report-model.js";
import { renderFocusCsv, renderReportCsv, renderReportHtml, renderReportJson, renderReportTable, wrap, type FocusCell } from "../chargeback/report-render.js";
import { DEFAULT_SETTINGS, type ChargebackSettings } from "../chargeback/settings.js";
import { parseChargebackConfig } from "../config/chargeback.js";
import { formatProblem } from "../config/schema.js";
import { utcMonth } from "../records/run.js";
import type { RepoTotals } from "../records/totals.js";
import { queryTotals } from "../store/chargeback-query.js";
import { closeDynamoClient } from "../store/dynamo.js";
import {
  queryBudgetAlerts,
  queryCostCenterTotals,
  queryOrgMonths,
  queryWorkflowTotals,
  readRememberedSettings,
  type WorkflowTotals,
} from "../store/finance-query.js";
import { reallocate } from "../store/reallocate.js";
import { currentSettings } from "../chargeback/current-settings.js";
import { FREE_USE_SOURCE, freeUseOf } from "../pricing/free-uses.js";
import { RUN_VIEWS, runViewRows, type RunView } from "../chargeback/run-views.js";
import { renderRunView } from "../chargeback/run-views-render.js";
import { runRecordsFor } from "../store/run-record-query.js";
import { rebuildTotals } from "../store/rebuild-totals.js";
import { newCommand, parseCommand, STD_IO, EXIT_USAGE, type CliIo } from "./format.js";
import { UsageError } from "../errors.js";

export const REPORT_FORMATS = ["table", "json", "csv", "html", "focus"] as const;
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

const HELP_AFTER = `
Figures are the gross cost at GitHub's list prices (or the org's .github/chargeback.yml override), each job
rounded up to the minute and every attempt billed. Included minutes and discounts apply per account, not per
repository: compare with GitHub's own figures using "npx org-flows reconcile".

Without --month the figures are all-time; --month picks one UTC calendar month (and the month of the budgets,
which is otherwise the current one).

Views (--by):
  repo         one row per repository (default)
  cost-center  one row per cost centre: the repository's custom property, else the first matching rule of
               .github/chargeback.yml, else "unallocated"
  workflow     one row per (repository, workflow file)
  sku          one row per runner SKU, GitHub's id and a readable name (runs and attempts do not split by SKU)
  pull-request one row per pull request (the run's lowest-numbered pull request; "(no pull request)" for pushes,
               schedules and fork pull requests, which GitHub does not list), from the run records
  job          one row per job name of one repository (needs --repo), from the priced jobs each run record keeps;
               free minutes are shown with GitHub's reason (Dependabot run, Pages build, public repository)

Every total is the sum of the rows shown: amounts are added in micro-dollars and rounded once; the cents of the
rows are allocated so that they add up to it. Minutes on runners that could not be priced are "unpriced".

Formats:
  table  a readable table, at most 120 columns wide, then the budgets (default)
  json   { org, period, periodStart, periodEnd, generatedAt, view, currency, rows: [{ <repository|costCenter|
         workflow|sku>, runs, attempts, minutes, unpricedMinutes, costUsd, costMicros, bySku }], total, budgets }
  csv    one line per row, the same columns whatever SKUs occur: org, period, generated_at, view, the view's key
         columns, runs, attempts, minutes, unpriced_minutes, cost_usd, cost_micros
  html   one self-contained page: a chart and a table per view, and the budgets (save it, open it in a browser)
  focus  FinOps FOCUS CSV: every mandatory column of FOCUS 1.4 (BilledCost, EffectiveCost, ChargePeriodStart,
         ServiceName, ServiceProviderName, HostProviderName...) and SkuId, ConsumedQuantity, Tags with
         repository, workflow and cost centre, one line per month, repository, workflow, cost centre and SKU

Budgets and cost-centre rules come from --config FILE (a copy of the org's .github/chargeback.yml) or else from
the settings the recordings last applied.

--reallocate re-applies today's cost-centre settings to every recorded run, past months too, from the run
records, then rewrites the cost-centre, workflow and org totals. Today's settings are --config FILE, else the
org's .github/chargeback.yml on the default branch, read with the App's credentials (APP_ID and PRIVATE_KEY, or
APP_SECRET_ARN on AWS). Only when GitHub cannot be reached are the remembered settings applied, and the command
says so on stderr.

Examples:
  npx org-flows report --org acme --month 2026-01 --by cost-center
  npx org-flows report --org acme --month 2026-01 --by workflow --format csv > acme-2026-01.csv
  npx org-flows report --org acme --format focus > acme-focus.csv
  npx org-flows report --org acme --reallocate --config chargeback.yml --by cost-center
`;

export function reportProgram(): Command {
  return newCommand("report")
    .description("Chargeback of GitHub Actions runs, minutes and cost, as GitHub bills them: per repository, cost centre, workflow or SKU, with budgets.")
    .requiredOption("--org <org>", "the organisation (login)", parseOrg)
    .option("--month <yyyy-mm>", "one UTC month, e.g. 2026-01 (default: all-time)", parseMonth)
    .option("--repo <owner/name>", "only this repository of the organisation", parseRepo)
    .addOption(
      new Option("--by <view>", "rows per repository, cost centre, workflow, SKU, pull request or job (--repo)")
        .choices([...VIEWS, ...RUN_VIEWS])
        .default("repo"),
    )
    .addOption(new Option("--format <format>", "output format").choices(REPORT_FORMATS).default("table"))
    .option("--config <file>", "the org's chargeback.yml (cost-centre rules, budgets) to apply instead of the remembered settings")
    .option("--rebuild", "first recompute the org's totals (repository, org, cost centre, workflow) from its run records (a repair)")
    .option("--reallocate", "first re-apply today's cost-centre settings to every recorded run and rewrite the finance totals")
    .option("--dry-run", "with --reallocate: count the run records whose cost centre would change, write nothing")
    .addHelpText("after", HELP_AFTER)
    .allowExcessArguments(false);
}

interface ReportOptions {
  org: string;
  month?: string;
  repo?: string;
  by: View | RunView;
  format: ReportFormat;
  config?: string;
  rebuild?: boolean;
  reallocate?: boolean;
  dryRun?: boolean;
}

/**
 * Settings from a file (its problems are the user's: exit 2); for --reallocate, else today's chargeback.yml from
 * GitHub; else the remembered ones (for --reallocate only when GitHub cannot be reached, and it says so); else none.
 */
async function settingsFor(opts: ReportOptions, io: CliIo): Promise<{ settings: ChargebackSettings; source?: string }> {
  if (opts.config) {
    let text: string;
    try {
      text = readFileSync(opts.config, "utf8");
    } catch (err) {
      throw new UsageError(`--config ${opts.config}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : String(err)}`);
    }
    const parsed = parseChargebackConfig(text, opts.config);
    if (!parsed.ok) throw new UsageError(formatProblem(parsed.error));
    return { settings: parsed.settings, source: opts.config };
  }
  if (opts.reallocate) {
    const today = await currentSettings(opts.org);
    if (today.ok) {
      io.err.write(`report: reallocate: applying ${today.source}\n`);
      return { settings: today.settings, source: today.source };
    }
    const fallback = await readRememberedSettings(opts.org);
    const what = fallback
      ? `the settings remembered from ${fallback.source} as read at ${fallback.readAt}`
      : "no settings (none remembered): only custom properties allocate";
    io.err.write(`report: reallocate: GitHub cannot be reached (${today.unreachable}): applying ${what}, which may not be today's rules\n`);
    if (fallback) return { settings: fallback.settings, source: `${fallback.source} as read at ${fallback.readAt} (remembered; GitHub unreachable)` };
    return { settings: DEFAULT_SETTINGS };
  }
  const remembered = await readRememberedSettings(opts.org);
  if (remembered) return { settings: remembered.settings, source: `${remembered.source} as read at ${remembered.readAt}` };
  return { settings: DEFAULT_SETTINGS };
}

interface Loaded {
  inputs: ReportInputs;
  workflows: WorkflowTotals[];
}

async function load(opts: ReportOptions): Promise<Loaded> {
  const [repos, workflows] = await Promise.all([
    queryTotals({ org: opts.org, month: opts.month, repo: opts.repo }),
    queryWorkflowTotals(opts.org, opts.month, opts.repo),
  ]);
  // One repository: its cost centres are its workflow cells'; the whole org: the cost-centre totals themselves.
  const costCenters = opts.repo ? workflows : await queryCostCenterTotals(opts.org, opts.month);
  return { inputs: { repos, costCenters, workflows }, workflows };
}

async function budgetsFor(opts: ReportOptions, settings: ChargebackSettings, now: Date): Promise<ReportModel["budgets"]> {
  if (settings.budgets.length === 0) return [];
  const month = opts.month ?? utcMonth(now.toISOString());
  const [orgMonths, ccs, repos, alerts] = await Promise.all([
    queryOrgMonths(opts.org, month),
    queryCostCenterTotals(opts.org, month),
    queryTotals({ org: opts.org, month }),
    queryBudgetAlerts(opts.org, month),
  ]);
  const byRepo = new Map<string, number>(repos.map((r: RepoTotals) => [r.repository.toLowerCase(), r.costMicros]));
  const byCc = new Map<string, number>();
  for (const c of ccs) byCc.set(c.costCenter, (byCc.get(c.costCenter) ?? 0) + c.costMicros);
  const org = orgMonths.find((o) => o.month === month)?.costMicros ?? 0;
  return budgetStatuses(settings.budgets, month, now, { org, costCenters: byCc, repos: byRepo }, alerts);
}

export function focusCells(org: string, workflows: WorkflowTotals[]): FocusCell[] {
  return workflows.flatMap((w) =>
    Object.entries(w.bySku)
      .filter(([, t]) => t.minutes > 0 || t.costMicros > 0)
      .map(([sku, t]) => ({
        org: org.toLowerCase(),
        repository: w.repository,
        workflow: w.workflow,
        costCenter: w.costCenter,
        month: w.month,
        sku,
        minutes: t.minutes,
        costMicros: t.costMicros,
      })),
  );
}

/** The table's note on Dependabot and Pages workflows: their standard-runner minutes are at $0, and why. */
export function freeUseNote(workflows: readonly WorkflowTotals[]): string {
  const kinds = new Map<string, number>();
  for (const w of workflows) {
    const free = freeUseOf(w.workflow);
    if (free) kinds.set(free.kind, (kinds.get(free.kind) ?? 0) + w.minutes);
  }
  if (kinds.size === 0) return "";
  const what = [...kinds].map(([kind, minutes]) => `${kind === "dependabot" ? "Dependabot runs" : "GitHub Pages builds"} (${minutes} min)`).join(" and ");
  // Wrapped like the rest of the table output: at most 120 columns.
  return `${wrap(`Free: standard runners in ${what} cost $0, as GitHub bills them (${FREE_USE_SOURCE}); larger runners there are billed.`).join("\n")}\n`;
}

function isRunView(by: View | RunView): by is RunView {
  return (RUN_VIEWS as readonly string[]).includes(by);
}

/** --by pull-request / job: rows from the run records (they keep each run's pull requests and priced jobs). */
async function runViewReport(opts: ReportOptions, view: RunView, generatedAt: string, io: CliIo): Promise<number> {
  if (view === "job" && !opts.repo) throw new UsageError("--by job needs --repo OWNER/NAME: job names are a repository's own");
  if (opts.format !== "table" && opts.format !== "json" && opts.format !== "csv") throw new UsageError(`--by ${view} supports --format table, json or csv`);
  if (opts.rebuild || opts.reallocate) throw new UsageError(`--by ${view} reads the run records themselves: --rebuild and --reallocate do not apply`);
  const conn = await connectForCli();
  let records: Awaited<ReturnType<typeof runRecordsFor>>;
  try {
    records = await runRecordsFor(opts.org, { month: opts.month, repo: opts.repo });
  } finally {
    closeDynamoClient();
    await conn.close();
  }
  renderRunView({ org: opts.org, period: periodOf(opts.month), generatedAt, view, repo: opts.repo, rows: runViewRows(view, records) }, opts.format, io.out);
  return 0;
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
    if (opts.dryRun && (!opts.reallocate || opts.rebuild)) throw new UsageError("--dry-run goes with --reallocate (and not with --rebuild)");
    const now = new Date();
    const generatedAt = now.toISOString().replace(/\.\d{3}Z$/, "Z");
    if (isRunView(opts.by)) return await runViewReport(opts, opts.by, generatedAt, io);
    const conn = await connectForCli();
    let loaded: Loaded;
    let budgets: ReportModel["budgets"];
    let source: string | undefined;
    try {
      const { settings, source: from } = await settingsFor(opts, io);
      source = from;
      if (opts.rebuild) {
        await rebuildTotals(opts.org, (m) => io.err.write(`report: rebuild: ${m}\n`));
        if (!opts.reallocate) await reallocate(opts.org, undefined, (m) => io.err.write(`report: rebuild: ${m}\n`));
      }
      if (opts.reallocate) {
        // The GitHub and remembered sources announce themselves in settingsFor.
        if (opts.config) io.err.write(`report: reallocate: settings from ${from}\n`);
        await reallocate(opts.org, settings, (m) => io.err.write(`report: reallocate: ${m}\n`), { dryRun: opts.dryRun });
      }
      loaded = await load(opts);
      budgets = await budgetsFor(opts, settings, now);
    } finally {
      closeDynamoClient();
      await conn.close();
    }
    const view0 = opts.by as View;
    const model = (view: View): ReportModel => {
      const rows = viewRows(view, loaded.inputs);
      return {
        org: opts.org,
        period: periodOf(opts.month),
        generatedAt,
        view,
        repo: opts.repo,
        rows,
        total: totalOf(view, rows),
        budgets,
        settingsSource: source,
      };
    };
    if (opts.format === "json") io.out.write(renderReportJson(model(view0)));
    else if (opts.format === "csv") io.out.write(renderReportCsv(model(view0)));
    else if (opts.format === "focus") io.out.write(renderFocusCsv(focusCells(opts.org, loaded.workflows), generatedAt));
    else if (opts.format === "html") io.out.write(renderReportHtml([view0, ...VIEWS.filter((v) => v !== view0)].map(model)));
    else {
      io.out.write(renderReportTable(model(view0)));
      io.out.write(freeUseNote(loaded.workflows));
    }
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    io.err.write(`report: ${message}\n`);
    return err instanceof UsageError ? EXIT_USAGE : 1;
  }
}
