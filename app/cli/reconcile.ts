// npx org-flows reconcile --org ORG --month YYYY-MM [--by repo|cost-center] [--format table|json|csv]
// Puts GitHub's own gross amounts (enhanced billing usage API) beside the app's totals, per repository and SKU,
// so a chargeback can be trusted: the gross per repository and SKU is what the app's totals should match.
import { UsageError } from "../errors.js";
import { type Command, Option } from "commander";
import { ProbotOctokit } from "probot";
import { connectForCli } from "../../infra/local/embedded.js";
import { formatUsd, microsToUsd } from "../pricing/price.js";
import { normaliseSku } from "../pricing/sku.js";
import { describeCallFailure, httpStatusOf } from "../http-status.js";
import { timedFetch } from "../outbound.js";
import { githubBaseUrl } from "../secrets.js";
import { queryTotals } from "../store/chargeback-query.js";
import { queryWorkflowTotals, readRememberedSettings } from "../store/finance-query.js";
import { allocate } from "../chargeback/allocation.js";
import { DEFAULT_SETTINGS, UNALLOCATED, type ChargebackSettings } from "../chargeback/settings.js";
import type { Amounts } from "../records/totals.js";
import { closeDynamoClient } from "../store/dynamo.js";
import type { RepoTotals } from "../records/totals.js";
import { newCommand, EXIT_USAGE, parseCommand, printRows, ROW_FORMATS, STD_IO, type CliIo, type Column, type RowFormat } from "./format.js";
import { parseMonth, parseOrg } from "./report.js";

/** One item of GET /organizations/{org}/settings/billing/usage (`usageItems[]`). */
export interface UsageItem {
  date?: string;
  product?: string;
  sku?: string;
  quantity?: number;
  unitType?: string;
  pricePerUnit?: number;
  grossAmount?: number;
  discountAmount?: number;
  netAmount?: number;
  repositoryName?: string;
}

export interface ReconcileRow {
  /** the repository, or with --by cost-center the cost centre */
  repository: string;
  sku: string;
  githubMinutes: number;
  appMinutes: number;
  /** GitHub's gross amount (what the app's figures should match) */
  githubMicros: number;
  /** GitHub's discount (included minutes and other discounts, applied per account) and what it bills net */
  githubDiscountMicros: number;
  githubNetMicros: number;
  appMicros: number;
  /** app - GitHub */
  differenceMicros: number;
}

const NO_REPO = "(no repository)";

export const TOKEN_HELP =
  "needs a token with billing access in GITHUB_TOKEN: an org owner or billing manager, with a fine-grained token granted " +
  '"Administration: read" on the organisation, or a classic token with admin:org (or read:org)';

/** GitHub names the repository "name" or "owner/name" depending on the report: one key either way. */
function repoKey(org: string, name: string | undefined): string {
  if (!name) return NO_REPO;
  return (name.includes("/") ? name : `${org}/${name}`).toLowerCase();
}

/** What the app recorded for one key (repository or cost centre) and SKU. */
interface AppAmount {
  key: string;
  sku: string;
  minutes: number;
  micros: number;
}

/** Pure: joins GitHub's Actions usage items with the app's monthly totals, by repository and normalised SKU. */
export function reconcile(org: string, usage: UsageItem[], totals: RepoTotals[]): ReconcileRow[] {
  const app = totals.flatMap((t) =>
    Object.entries(t.bySku).map(([sku, s]) => ({ key: t.repository.toLowerCase(), sku, minutes: s.minutes, micros: s.costMicros })),
  );
  return join(usage, (item) => repoKey(org, item.repositoryName), app);
}

/**
 * Pure: the same comparison per cost centre and SKU, with the app's allocation. GitHub's usage is per repository:
 * each repository goes to the cost centre its recorded attempts were charged to that month (the dearest one when a
 * property changed mid-month), else to what today's settings give it (a repository the app saw no run of).
 */
export function reconcileByCostCenter(
  org: string,
  usage: UsageItem[],
  cells: Array<Amounts & { repository: string; costCenter: string }>,
  settings: ChargebackSettings,
): ReconcileRow[] {
  const charged = new Map<string, { costCenter: string; micros: number }>();
  for (const c of cells) {
    const repo = c.repository.toLowerCase();
    const best = charged.get(repo);
    if (!best || c.costMicros > best.micros || (c.costMicros === best.micros && c.costCenter < best.costCenter))
      charged.set(repo, { costCenter: c.costCenter, micros: c.costMicros });
  }
  const costCenterOf = (item: UsageItem): string => {
    const repo = repoKey(org, item.repositoryName);
    if (repo === NO_REPO) return UNALLOCATED;
    return charged.get(repo)?.costCenter ?? allocate(repo, undefined, settings).costCenter;
  };
  const app = cells.flatMap((c) => Object.entries(c.bySku).map(([sku, s]) => ({ key: c.costCenter, sku, minutes: s.minutes, micros: s.costMicros })));
  return join(usage, costCenterOf, app);
}

function join(usage: UsageItem[], keyOf: (item: UsageItem) => string, app: AppAmount[]): ReconcileRow[] {
  const rows = new Map<string, ReconcileRow>();
  const row = (repository: string, sku: string): ReconcileRow => {
    const key = `${repository}\u0000${sku}`;
    let r = rows.get(key);
    if (!r) {
      r = { repository, sku, githubMinutes: 0, appMinutes: 0, githubMicros: 0, githubDiscountMicros: 0, githubNetMicros: 0, appMicros: 0, differenceMicros: 0 };
      rows.set(key, r);
    }
    return r;
  };
  for (const item of usage) {
    if ((item.product ?? "").toLowerCase() !== "actions") continue;
    // Storage and other non-minute SKUs of the Actions product have no counterpart in the app.
    if (item.unitType !== undefined && !/minute/i.test(item.unitType)) continue;
    const r = row(keyOf(item), normaliseSku(item.sku ?? "unknown"));
    // `quantity` and amounts can be fractional: round each item to the micro-dollar, then add integers.
    r.githubMinutes += item.quantity ?? 0;
    const gross = Math.round((item.grossAmount ?? 0) * 1_000_000);
    const discount = Math.round((item.discountAmount ?? 0) * 1_000_000);
    r.githubMicros += gross;
    r.githubDiscountMicros += discount;
    // GitHub's net is gross less discount; an item without netAmount is taken as exactly that.
    r.githubNetMicros += item.netAmount === undefined ? gross - discount : Math.round(item.netAmount * 1_000_000);
  }
  for (const a of app) {
    if (a.minutes === 0 && a.micros === 0) continue;
    const r = row(a.key, a.sku);
    r.appMinutes += a.minutes;
    r.appMicros += a.micros;
  }
  for (const r of rows.values()) {
    r.githubMinutes = Math.round(r.githubMinutes * 1000) / 1000;
    r.differenceMicros = r.appMicros - r.githubMicros;
  }
  return [...rows.values()].sort((a, b) => a.repository.localeCompare(b.repository) || a.sku.localeCompare(b.sku));
}

export function reconcileColumns(format: RowFormat, by: "repo" | "cost-center" = "repo"): Column<ReconcileRow>[] {
  const usd = (micros: number): string | number => (format === "table" ? formatUsd(micros) : microsToUsd(micros));
  return [
    by === "repo"
      ? { key: "repository", header: "Repository", value: (r) => r.repository }
      : { key: "costCenter", header: "Cost centre", value: (r) => r.repository },
    { key: "sku", header: "SKU", value: (r) => r.sku },
    { key: "githubMinutes", header: "GitHub min", value: (r) => r.githubMinutes },
    { key: "appMinutes", header: "App min", value: (r) => r.appMinutes },
    { key: "githubGrossUsd", header: "GitHub gross (USD)", align: "right", value: (r) => usd(r.githubMicros) },
    { key: "githubDiscountUsd", header: "Discount", align: "right", value: (r) => usd(r.githubDiscountMicros) },
    { key: "githubNetUsd", header: "Net", align: "right", value: (r) => usd(r.githubNetMicros) },
    { key: "appUsd", header: "App (USD)", align: "right", value: (r) => usd(r.appMicros) },
    { key: "differenceUsd", header: "Difference (USD)", align: "right", value: (r) => usd(r.differenceMicros) },
  ];
}

async function fetchUsage(token: string, org: string, month: string, env: NodeJS.ProcessEnv): Promise<UsageItem[]> {
  const octokit = new ProbotOctokit({
    auth: { token },
    baseUrl: githubBaseUrl(env),
    retry: { enabled: false },
    throttle: { enabled: false },
    request: { fetch: timedFetch("GitHub") },
  });
  const [year, mon] = month.split("-").map(Number) as [number, number];
  try {
    const { data } = await octokit.request("GET /organizations/{org}/settings/billing/usage", { org, year, month: mon });
    return ((data as { usageItems?: UsageItem[] }).usageItems ?? []) as UsageItem[];
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 401 || status === 403 || status === 404) {
      throw new UsageError(`GitHub answered HTTP ${status} for the billing usage of ${org}: reconcile ${TOKEN_HELP}`);
    }
    // "cannot reach GitHub at api.github.com: ENOTFOUND" or "GitHub answered HTTP 502", never a network failure as 500.
    throw new Error(`${describeCallFailure(err)} for the billing usage of ${org}; try again later`);
  }
}

const HELP_AFTER = `
Compares, for one month, GitHub's gross amount per repository (or cost centre) and runner SKU (from
GET /organizations/{org}/settings/billing/usage, product "actions") with the app's recorded totals. GitHub's
discount (included minutes and other discounts, applied per account) and net amount are shown beside the gross;
the difference is the app's figure less GitHub's gross.

--by cost-center puts each repository's usage under the cost centre its recorded attempts were charged to (else
the one the remembered .github/chargeback.yml settings give it) and compares per cost centre and SKU.

Needs GITHUB_TOKEN: a token of an org owner or billing manager; fine-grained: "Administration: read" on the
organisation; classic: admin:org (or read:org). GHE_HOST / GHE_PROTOCOL select a GitHub Enterprise server.

Example:
  GITHUB_TOKEN=... npx org-flows reconcile --org acme --month 2026-01
  GITHUB_TOKEN=... npx org-flows reconcile --org acme --month 2026-01 --by cost-center
`;

export function reconcileProgram(): Command {
  return newCommand("reconcile")
    .description("Compare GitHub's billed Actions amounts with the app's totals, per repository and SKU, for one month.")
    .requiredOption("--org <org>", "the organisation (login)", parseOrg)
    .requiredOption("--month <yyyy-mm>", "the UTC month, e.g. 2026-01", parseMonth)
    .addOption(new Option("--by <key>", "compare per repository or per cost centre").choices(["repo", "cost-center"]).default("repo"))
    .addOption(new Option("--format <format>", "output format").choices(ROW_FORMATS).default("table"))
    .addHelpText("after", HELP_AFTER)
    .allowExcessArguments(false);
}

export async function main(argv: string[], io: CliIo = STD_IO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = reconcileProgram();
  const code = await parseCommand(program, argv, io, "reconcile");
  if (code !== undefined) return code;
  const opts = program.opts<{ org: string; month: string; format: RowFormat; by: "repo" | "cost-center" }>();
  const token = env.GITHUB_TOKEN?.trim();
  if (!token) {
    io.err.write(`reconcile: GITHUB_TOKEN is not set; reconcile ${TOKEN_HELP}\n`);
    return EXIT_USAGE;
  }
  try {
    const usage = await fetchUsage(token, opts.org, opts.month, env);
    const conn = await connectForCli();
    let rows: ReconcileRow[];
    try {
      if (opts.by === "cost-center") {
        const [cells, remembered] = await Promise.all([queryWorkflowTotals(opts.org, opts.month), readRememberedSettings(opts.org)]);
        rows = reconcileByCostCenter(opts.org, usage, cells, remembered?.settings ?? DEFAULT_SETTINGS);
      } else {
        rows = reconcile(opts.org, usage, await queryTotals({ org: opts.org, month: opts.month }));
      }
    } finally {
      closeDynamoClient();
      await conn.close();
    }
    printRows(rows, reconcileColumns(opts.format, opts.by), opts.format, io.out);
    if (opts.format === "table") {
      const sum = (k: "githubMicros" | "githubDiscountMicros" | "githubNetMicros" | "appMicros"): number => rows.reduce((s, r) => s + r[k], 0);
      const off = rows.filter((r) => Math.abs(r.differenceMicros) >= 10_000).length;
      io.out.write(
        `GitHub gross $${formatUsd(sum("githubMicros"))} (discount $${formatUsd(sum("githubDiscountMicros"))}, net $${formatUsd(sum("githubNetMicros"))}), app $${formatUsd(sum("appMicros"))}, ` +
          `difference $${formatUsd(sum("appMicros") - sum("githubMicros"))}; ${off} of ${rows.length} rows differ by a cent or more.\n`,
      );
    }
    return 0;
  } catch (err) {
    io.err.write(`reconcile: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError ? EXIT_USAGE : 1;
  }
}
