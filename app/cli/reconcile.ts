// npx org-flows reconcile --org ORG --month YYYY-MM [--by repo|cost-center] [--format table|json|csv]
// Puts GitHub's own gross amounts (enhanced billing usage API) beside the app's totals, per repository and SKU,
// so a chargeback can be trusted: the gross per repository and SKU is what the app's totals should match.
import { UsageError } from "../errors.js";
import { type Command, Option } from "commander";
import { connectForCli } from "../../infra/local/embedded.js";
import { formatUsd, microsToUsd } from "../pricing/price.js";
import { isFleetSku } from "../pricing/self-hosted-rates.js";
import { normaliseSku, SELF_HOSTED_SKU } from "../pricing/sku.js";
import { describeCallFailure, httpStatusOf } from "../http-status.js";
import { tokenOctokit } from "../github/octokit.js";
import { githubBaseUrl } from "../secrets.js";
import { queryTotals } from "../store/chargeback-query.js";
import { queryOrgMonths, queryWorkflowTotals, readRememberedSettings } from "../store/finance-query.js";
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
  /** the enterprise's cost centre of the usage, where the enterprise has cost centres (usage reports: cost_center_name) */
  costCenterName?: string;
  /** the usage summary endpoint's quantities (GET /organizations/{org}/settings/billing/usage/summary) */
  grossQuantity?: number;
  discountQuantity?: number;
  netQuantity?: number;
}

/** How a row is compared: GitHub's gross (billed runners), or its net (free uses, shown gross with an equal discount). */
export type ReconcileBasis = "gross" | "net" | "none";

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
  /** app - GitHub, on the row's basis */
  differenceMicros: number;
  /** minutes, or storage (a storage SKU: listed with GitHub's amounts, not tracked by the app) */
  kind: "minutes" | "storage";
  basis: ReconcileBasis;
  /** the app's internal fleet charge (chargeback.yml selfHosted): GitHub bills these minutes at $0 */
  appInternalMicros: number;
  /** what explains the line, in a few words */
  note: string;
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

// GitHub bills self-hosted minutes at $0: the app's fleet SKUs (its own internal rates) meet GitHub's self-hosted line.
function joinSku(sku: string): string {
  return isFleetSku(sku) ? SELF_HOSTED_SKU : sku;
}

/** Storage of the Actions product (actions_storage, cache storage, custom images): billed per repository, not minutes. */
export function isStorageItem(item: UsageItem): boolean {
  if (item.unitType !== undefined && !/minute/i.test(item.unitType)) return true;
  return /storage|cache|image/i.test(item.sku ?? "");
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
    // GitHub's own cost centre (an enterprise with cost centres) wins: it is what the bill says.
    const own = item.costCenterName?.replace(/[\r\n\t]+/g, " ").trim();
    if (own) return own.slice(0, 64);
    const repo = repoKey(org, item.repositoryName);
    if (repo === NO_REPO) return UNALLOCATED;
    return charged.get(repo)?.costCenter ?? allocate(repo, undefined, settings).costCenter;
  };
  const app = cells.flatMap((c) => Object.entries(c.bySku).map(([sku, s]) => ({ key: c.costCenter, sku, minutes: s.minutes, micros: s.costMicros })));
  return join(usage, costCenterOf, app);
}

function join(usage: UsageItem[], keyOf: (item: UsageItem) => string, app: AppAmount[]): ReconcileRow[] {
  const rows = new Map<string, ReconcileRow>();
  const row = (repository: string, sku: string, kind: ReconcileRow["kind"] = "minutes"): ReconcileRow => {
    const key = `${repository}\u0000${sku}\u0000${kind}`;
    let r = rows.get(key);
    if (!r) {
      r = {
        repository,
        sku,
        githubMinutes: 0,
        appMinutes: 0,
        githubMicros: 0,
        githubDiscountMicros: 0,
        githubNetMicros: 0,
        appMicros: 0,
        differenceMicros: 0,
        kind,
        basis: "gross",
        appInternalMicros: 0,
        note: "",
      };
      rows.set(key, r);
    }
    return r;
  };
  for (const item of usage) {
    if ((item.product ?? "").toLowerCase() !== "actions") continue;
    // Storage SKUs of the Actions product have no counterpart in the app: listed with their amounts, not compared.
    const storage = isStorageItem(item);
    const r = row(keyOf(item), storage ? underscoredSku(item.sku) : normaliseSku(item.sku ?? "unknown"), storage ? "storage" : "minutes");
    // `quantity` and amounts can be fractional: round each item to the micro-dollar, then add integers.
    // The usage report says `quantity`; the usage summary `grossQuantity`.
    r.githubMinutes += item.quantity ?? item.grossQuantity ?? 0;
    const gross = Math.round((item.grossAmount ?? 0) * 1_000_000);
    const discount = Math.round((item.discountAmount ?? 0) * 1_000_000);
    r.githubMicros += gross;
    r.githubDiscountMicros += discount;
    // GitHub's net is gross less discount; an item without netAmount is taken as exactly that.
    r.githubNetMicros += item.netAmount === undefined ? gross - discount : Math.round(item.netAmount * 1_000_000);
  }
  for (const a of app) {
    if (a.minutes === 0 && a.micros === 0) continue;
    const r = row(a.key, joinSku(a.sku));
    r.appMinutes += a.minutes;
    if (isFleetSku(a.sku)) r.appInternalMicros += a.micros;
    else r.appMicros += a.micros;
  }
  for (const r of rows.values()) {
    r.githubMinutes = Math.round(r.githubMinutes * 1000) / 1000;
    explain(r);
  }
  return [...rows.values()].sort((a, b) => a.repository.localeCompare(b.repository) || a.kind.localeCompare(b.kind) || a.sku.localeCompare(b.sku));
}

function underscoredSku(sku: string | undefined): string {
  return (sku ?? "storage")
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
}

/**
 * The basis and the note of a row. GitHub's usage report shows public-repository, self-hosted and other free usage
 * as a gross amount with an equal discount (net 0); the app records that usage at $0. So a row whose minutes the
 * app recorded as free (minutes, no cost) is compared on GitHub's net; every other row on GitHub's gross (included
 * minutes and other discounts apply per account, not per repository).
 */
function explain(r: ReconcileRow): void {
  if (r.kind === "storage") {
    r.basis = "none";
    r.differenceMicros = 0;
    r.note = "storage: not tracked by the app";
    return;
  }
  const appFree = r.appMinutes > 0 && r.appMicros === 0;
  const offset = r.githubMicros > 0 && r.githubDiscountMicros === r.githubMicros;
  if (r.sku === SELF_HOSTED_SKU || appFree) {
    r.basis = "net";
    r.differenceMicros = r.appMicros - r.githubNetMicros;
    r.note =
      r.sku === SELF_HOSTED_SKU
        ? `self-hosted: $0 at GitHub${r.appInternalMicros > 0 ? "; the app's fleet rate is internal" : ""}`
        : r.githubNetMicros > 0
          ? "recorded free by the app, billed by GitHub"
          : offset
            ? "free use: GitHub's gross offset by an equal discount"
            : "free use";
    return;
  }
  r.basis = "gross";
  r.differenceMicros = r.appMicros - r.githubMicros;
  if (r.appMinutes === 0 && r.githubMinutes > 0) r.note = "no run recorded by the app";
  else if (r.githubMinutes === 0 && r.appMinutes > 0) r.note = "not in GitHub's report (yet)";
  else if (Math.abs(r.differenceMicros) >= 10_000) r.note = "differs";
  else if (r.githubDiscountMicros > 0) r.note = `matches; discount applied per account${offset ? " (all of it)" : ""}`;
  else r.note = "matches";
}

export const ORG_KEY = "(organisation)";

/**
 * Pure: the org's month per SKU, GitHub's usage summary (or the usage report's items, summed) beside the app's
 * org totals for the month. Every repository's usage is one line per SKU; storage SKUs are listed.
 */
export function reconcileBySku(usage: UsageItem[], orgMonth: Amounts | undefined): ReconcileRow[] {
  const app = Object.entries(orgMonth?.bySku ?? {}).map(([sku, s]) => ({ key: ORG_KEY, sku, minutes: s.minutes, micros: s.costMicros }));
  return join(usage, () => ORG_KEY, app);
}

export type ReconcileBy = "repo" | "cost-center" | "sku";

export function reconcileColumns(format: RowFormat, by: ReconcileBy = "repo"): Column<ReconcileRow>[] {
  const usd = (micros: number): string | number => (format === "table" ? formatUsd(micros) : microsToUsd(micros));
  return [
    by === "repo"
      ? { key: "repository", header: "Repository", value: (r) => r.repository }
      : by === "sku"
        ? { key: "scope", header: "Scope", value: (r) => r.repository }
        : { key: "costCenter", header: "Cost centre", value: (r) => r.repository },
    { key: "sku", header: "SKU", value: (r) => r.sku },
    { key: "githubMinutes", header: "GitHub min", value: (r) => r.githubMinutes },
    { key: "appMinutes", header: "App min", value: (r) => r.appMinutes },
    { key: "githubGrossUsd", header: "GitHub gross (USD)", align: "right", value: (r) => usd(r.githubMicros) },
    { key: "githubDiscountUsd", header: "Discount", align: "right", value: (r) => usd(r.githubDiscountMicros) },
    { key: "githubNetUsd", header: "Net", align: "right", value: (r) => usd(r.githubNetMicros) },
    { key: "appUsd", header: "App (USD)", align: "right", value: (r) => usd(r.appMicros) },
    { key: "differenceUsd", header: "Difference (USD)", align: "right", value: (r) => (r.basis === "none" ? null : usd(r.differenceMicros)) },
    { key: "basis", header: "Basis", value: (r) => r.basis },
    ...(format === "table" ? [] : [{ key: "appInternalUsd", value: (r: ReconcileRow) => usd(r.appInternalMicros) }]),
    { key: "note", header: "Note", value: (r) => r.note },
  ];
}

async function fetchUsage(token: string, org: string, month: string, env: NodeJS.ProcessEnv): Promise<UsageItem[]> {
  const octokit = tokenOctokit(token, githubBaseUrl(env));
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

/**
 * GitHub's usage summary for the month, product Actions (GET /organizations/{org}/settings/billing/usage/summary,
 * https://docs.github.com/en/rest/billing/usage#get-billing-usage-summary-for-an-organization: the past 24 months,
 * gross, discount and net quantities and amounts per SKU). Undefined when the org has no access to it (404: the
 * endpoint is in public preview), so the caller can sum the usage report instead and say so.
 */
async function fetchUsageSummary(token: string, org: string, month: string, env: NodeJS.ProcessEnv): Promise<UsageItem[] | undefined> {
  const octokit = tokenOctokit(token, githubBaseUrl(env));
  const [year, mon] = month.split("-").map(Number) as [number, number];
  try {
    const { data } = await octokit.request("GET /organizations/{org}/settings/billing/usage/summary", { org, year, month: mon, product: "actions" });
    const items = ((data as { usageItems?: UsageItem[] }).usageItems ?? []) as UsageItem[];
    // Summary items carry no product when filtered by one; keep them as Actions.
    return items.map((i) => ({ ...i, product: i.product ?? "actions" }));
  } catch (err) {
    const status = httpStatusOf(err);
    if (status === 404) return undefined;
    if (status === 401 || status === 403)
      throw new UsageError(`GitHub answered HTTP ${status} for the billing usage summary of ${org}: reconcile ${TOKEN_HELP}`);
    throw new Error(`${describeCallFailure(err)} for the billing usage summary of ${org}; try again later`);
  }
}

const HELP_AFTER = `
Compares, for one month, GitHub's amounts per repository (or cost centre) and runner SKU (from
GET /organizations/{org}/settings/billing/usage, product "actions") with the app's recorded totals, and explains
every line (Basis, Note):
  gross  a billed runner: the app's figure against GitHub's gross. GitHub's discount (included minutes and other
         discounts, applied per account, not per repository) and net are shown beside it.
  net    usage the app records at $0 (standard runners in public repositories, Dependabot runs and Pages
         builds, self-hosted runners): GitHub shows it as a gross amount with an equal discount, so the app's $0 is
         compared with GitHub's net. The app's internal fleet rate (chargeback.yml selfHosted) is shown apart
         (appInternalUsd): GitHub bills self-hosted minutes at $0.
  none   storage SKUs of Actions (actions_storage, cache storage, custom images): listed with GitHub's amounts,
         "not tracked by the app".

--by cost-center puts each usage line under GitHub's own cost centre where the enterprise has cost centres
(cost_center_name), else under the cost centre the repository's recorded attempts were charged to, else the one
the remembered .github/chargeback.yml settings give it, and compares per cost centre and SKU.

--by sku compares the whole org's month per SKU with GitHub's usage summary
(GET /organizations/{org}/settings/billing/usage/summary: gross, discount and net per SKU, the past 24 months);
where the org has no access to the summary, the usage report's items are summed instead, and it says so.

Needs GITHUB_TOKEN: a token of an org owner or billing manager; fine-grained: "Administration: read" on the
organisation; classic: admin:org (or read:org). GHE_HOST / GHE_PROTOCOL select a GitHub Enterprise server.

Example:
  GITHUB_TOKEN=... npx org-flows reconcile --org acme --month 2026-01
  GITHUB_TOKEN=... npx org-flows reconcile --org acme --month 2026-01 --by cost-center
  GITHUB_TOKEN=... npx org-flows reconcile --org acme --month 2026-01 --by sku
`;

export function reconcileProgram(): Command {
  return newCommand("reconcile")
    .description("Compare GitHub's billed Actions amounts with the app's totals, per repository and SKU, for one month.")
    .requiredOption("--org <org>", "the organisation (login)", parseOrg)
    .requiredOption("--month <yyyy-mm>", "the UTC month, e.g. 2026-01", parseMonth)
    .addOption(
      new Option("--by <key>", "compare per repository, per cost centre, or the org per SKU (usage summary)")
        .choices(["repo", "cost-center", "sku"])
        .default("repo"),
    )
    .addOption(new Option("--format <format>", "output format").choices(ROW_FORMATS).default("table"))
    .addHelpText("after", HELP_AFTER)
    .allowExcessArguments(false);
}

export async function main(argv: string[], io: CliIo = STD_IO, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const program = reconcileProgram();
  const code = await parseCommand(program, argv, io, "reconcile");
  if (code !== undefined) return code;
  const opts = program.opts<{ org: string; month: string; format: RowFormat; by: ReconcileBy }>();
  const token = env.GITHUB_TOKEN?.trim();
  if (!token) {
    io.err.write(`reconcile: GITHUB_TOKEN is not set; reconcile ${TOKEN_HELP}\n`);
    return EXIT_USAGE;
  }
  try {
    let usage: UsageItem[];
    if (opts.by === "sku") {
      const summary = await fetchUsageSummary(token, opts.org, opts.month, env);
      if (summary === undefined) io.err.write("reconcile: the usage summary is not available to this org (HTTP 404): summing the usage report instead\n");
      usage = summary ?? (await fetchUsage(token, opts.org, opts.month, env));
    } else {
      usage = await fetchUsage(token, opts.org, opts.month, env);
    }
    const conn = await connectForCli();
    let rows: ReconcileRow[];
    try {
      if (opts.by === "sku") {
        rows = reconcileBySku(
          usage,
          (await queryOrgMonths(opts.org, opts.month)).find((m) => m.month === opts.month),
        );
      } else if (opts.by === "cost-center") {
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
      const minutes = rows.filter((r) => r.kind === "minutes");
      const storage = rows.filter((r) => r.kind === "storage");
      const sum = (list: ReconcileRow[], k: "githubMicros" | "githubDiscountMicros" | "githubNetMicros" | "appMicros" | "differenceMicros"): number =>
        list.reduce((s, r) => s + r[k], 0);
      const off = minutes.filter((r) => Math.abs(r.differenceMicros) >= 10_000).length;
      io.out.write(
        `GitHub gross $${formatUsd(sum(minutes, "githubMicros"))} (discount $${formatUsd(sum(minutes, "githubDiscountMicros"))}, net $${formatUsd(sum(minutes, "githubNetMicros"))}), app $${formatUsd(sum(minutes, "appMicros"))}, ` +
          `difference $${formatUsd(sum(minutes, "differenceMicros"))}; ${off} of ${minutes.length} rows differ by a cent or more.` +
          (storage.length
            ? ` Storage not tracked by the app: $${formatUsd(sum(storage, "githubMicros"))} gross, $${formatUsd(sum(storage, "githubNetMicros"))} net.`
            : "") +
          "\n",
      );
    }
    return 0;
  } catch (err) {
    io.err.write(`reconcile: ${err instanceof Error ? err.message : String(err)}\n`);
    return err instanceof UsageError ? EXIT_USAGE : 1;
  }
}
