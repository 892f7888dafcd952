// The org's rate override: `.github/chargeback.yml` in the org's `.github` repository, e.g.
//   rates:
//     actions_linux: 0.005      # USD per minute, any SKU spelling GitHub uses
//     Linux 4-core: 0.01
//   from: 2026-06-01            # optional: first UTC day the override applies
// Absent -> GitHub's list prices. Invalid -> a precise `file: field: problem`, never a silent fallback: a
// chargeback priced at the wrong rates is worse than none.
import type { ProbotOctokit } from "probot";
import * as z from "zod";
import { DEFAULT_SETTINGS, financeSchemaShape, settingsFrom, type ChargebackSettings } from "../chargeback/settings.js";
import { loadRateTable } from "../pricing/price.js";
import { normaliseSku } from "../pricing/sku.js";
import type { RateOverride } from "../pricing/types.js";
import { TtlCache } from "../ttl-cache.js";
import { fieldPath } from "../validation.js";
import { MAX_REPORTED_PROBLEMS, parseYaml, readOrgFile } from "./org-file.js";
import type { ConfigProblem } from "./schema.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export const CHARGEBACK_PATH = ".github/chargeback.yml";
/** The dearest runner is under 1 USD a minute: anything above 10 is a typo (cents, or per hour). */
const MAX_USD_PER_MINUTE = 10;

/**
 * `settings`: cost centres and budgets (app/chargeback/settings.ts); `source` names the file or "github" when there
 * is none; `readAt` is when it was read (the newest read wins where the settings are remembered).
 */
export type ChargebackResult =
  | { ok: true; override: RateOverride | undefined; source: string; settings: ChargebackSettings; readAt?: string }
  /** `error`: the first problem (what a notification names); `problems`: every one found (what a check annotates) */
  | { ok: false; error: ConfigProblem; problems: ConfigProblem[] };

const KEYS = "rates, from, costCenter, costCenters, budgets, selfHosted";

function isCalendarDate(s: string): boolean {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const schema = z.strictObject({
  rates: z.record(z.string(), z.number({ error: "must be a number: USD per minute, e.g. 0.006" })).optional(),
  from: z
    .string({ error: "must be a date YYYY-MM-DD" })
    .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD")
    .refine(isCalendarDate, "is not a calendar date")
    .optional(),
  ...financeSchemaShape,
});

let knownSkus: Set<string> | undefined;

function isKnownSku(sku: string): boolean {
  knownSkus ??= new Set(loadRateTable().periods.flatMap((p) => Object.keys(p.rates)));
  return knownSkus.has(sku);
}

/** Parses and checks the file's text, and reports every problem it finds (a YAML syntax error stops there). Pure. */
export function parseChargebackConfig(text: string, file = CHARGEBACK_PATH): ChargebackResult {
  const problems: ConfigProblem[] = [];
  const problem = (field: string, what: string): void => {
    problems.push({ file, field, problem: what });
  };
  const refused = (): ChargebackResult => ({ ok: false, error: problems[0]!, problems: problems.slice(0, MAX_REPORTED_PROBLEMS) });
  const yaml = parseYaml(text, file);
  if (!yaml.ok) return yaml;
  const raw = yaml.raw;
  if (raw === null || raw === undefined) return { ok: true, override: undefined, source: file, settings: DEFAULT_SETTINGS };
  if (typeof raw !== "object" || Array.isArray(raw)) {
    problem("(root)", `must be a mapping with keys ${KEYS}`);
    return refused();
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const what =
        issue.code === "unrecognized_keys"
          ? `unknown field ${issue.keys.map((k) => `'${k}'`).join(", ")}; expected ${issue.path.length ? "other fields" : KEYS}`
          : issue.message;
      problem(fieldPath(issue.path), what);
    }
  }
  // The rates are checked even when another part of the file failed its schema: a check run shows every problem.
  const rates = (raw as { rates?: unknown }).rates;
  const seen = new Map<string, string>();
  for (const [name, usd] of rates !== null && typeof rates === "object" ? Object.entries(rates) : []) {
    if (typeof usd !== "number") continue; // reported by the schema
    const field = `rates.${name}`;
    const sku = normaliseSku(name);
    if (!isKnownSku(sku)) {
      problem(field, "unknown SKU; use a name from GitHub's price list, e.g. actions_linux, linux_4_core, windows_8_core_arm, macos_xl");
      continue;
    }
    const twin = seen.get(sku);
    if (twin !== undefined) problem(field, `names the same SKU (${sku}) as rates.${twin}`);
    else seen.set(sku, name);
    if (!Number.isFinite(usd) || usd < 0 || usd > MAX_USD_PER_MINUTE)
      problem(field, `must be a USD amount per minute between 0 and ${MAX_USD_PER_MINUTE}, e.g. 0.006`);
  }
  if (!parsed.success) return refused();
  const finance = settingsFrom(parsed.data);
  for (const p of finance.problems) problem(p.field, p.problem);
  if (problems.length > 0) return refused();
  const override: RateOverride = {};
  if (parsed.data.rates) override.rates = parsed.data.rates;
  if (parsed.data.from) override.from = parsed.data.from;
  return { ok: true, override: override.rates ? override : undefined, source: file, settings: finance.settings };
}

/** Reads the org's override with the installation's token: no file -> no override. */
export async function loadChargebackConfig(octokit: Octokit, org: string): Promise<ChargebackResult> {
  const read = await readOrgFile(octokit, org, CHARGEBACK_PATH);
  if (!read.ok) return { ...read, problems: [read.error] };
  const result =
    read.text === null ? { ok: true as const, override: undefined, source: "github", settings: DEFAULT_SETTINGS } : parseChargebackConfig(read.text, read.file);
  return result.ok ? { ...result, readAt: new Date().toISOString() } : result;
}

export const CHARGEBACK_TTL_MS = 5 * 60 * 1000;
const cache = new TtlCache<ChargebackResult>(CHARGEBACK_TTL_MS);

/** Tests start from an empty cache. */
export function clearChargebackCache(): void {
  cache.clear();
}

/** As loadChargebackConfig, remembered per org for a few minutes: a burst of runs reads the file once. */
export function chargebackConfigFor(octokit: Octokit, org: string, now = Date.now()): Promise<ChargebackResult> {
  return cache.get(org.toLowerCase(), () => loadChargebackConfig(octokit, org), now);
}
