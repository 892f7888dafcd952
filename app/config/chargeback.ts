// The org's rate override: `.github/chargeback.yml` in the org's `.github` repository, e.g.
//   rates:
//     actions_linux: 0.005      # USD per minute, any SKU spelling GitHub uses
//     Linux 4-core: 0.01
//   from: 2026-06-01            # optional: first UTC day the override applies
// Absent -> GitHub's list prices. Invalid -> a precise `file: field: problem`, never a silent fallback: a
// chargeback priced at the wrong rates is worse than none.
import type { ProbotOctokit } from "probot";
import { LineCounter, parseDocument } from "yaml";
import * as z from "zod";
import { loadRateTable } from "../pricing/price.js";
import { normaliseSku } from "../pricing/sku.js";
import type { RateOverride } from "../pricing/types.js";
import { CONFIG_REPO, type ConfigProblem } from "./schema.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

export const CHARGEBACK_PATH = ".github/chargeback.yml";
const MAX_BYTES = 64 * 1024;
/** The dearest runner is under 1 USD a minute: anything above 10 is a typo (cents, or per hour). */
const MAX_USD_PER_MINUTE = 10;

export type ChargebackResult = { ok: true; override: RateOverride | undefined; source: string } | { ok: false; error: ConfigProblem };

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
});

function fieldPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(root)" : path.map(String).join(".");
}

let knownSkus: Set<string> | undefined;

function isKnownSku(sku: string): boolean {
  knownSkus ??= new Set(loadRateTable().periods.flatMap((p) => Object.keys(p.rates)));
  return knownSkus.has(sku);
}

/** Parses and checks the file's text. Pure. */
export function parseChargebackConfig(text: string, file = CHARGEBACK_PATH): ChargebackResult {
  const problem = (field: string, what: string): ChargebackResult => ({ ok: false, error: { file, field, problem: what } });
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const yamlError = doc.errors[0];
  if (yamlError) {
    // Without prettyErrors the error carries only an offset: the line counter turns it into line and column.
    const line = yamlError.linePos?.[0] ?? lineCounter.linePos(yamlError.pos[0]);
    return problem(line ? `line ${line.line}, column ${line.col}` : "(yaml)", yamlError.message.split("\n")[0] ?? "invalid YAML");
  }
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) return { ok: true, override: undefined, source: file };
  if (typeof raw !== "object" || Array.isArray(raw)) return problem("(root)", "must be a mapping with keys rates, from");
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const what = issue.code === "unrecognized_keys" ? `unknown field ${issue.keys.map((k) => `'${k}'`).join(", ")}; expected rates, from` : issue.message;
    return problem(fieldPath(issue.path), what);
  }
  const seen = new Map<string, string>();
  for (const [name, usd] of Object.entries(parsed.data.rates ?? {})) {
    const field = `rates.${name}`;
    const sku = normaliseSku(name);
    if (!isKnownSku(sku)) return problem(field, "unknown SKU; use a name from GitHub's price list, e.g. actions_linux, linux_4_core, windows_8_core_arm, macos_xl");
    const twin = seen.get(sku);
    if (twin !== undefined) return problem(field, `names the same SKU (${sku}) as rates.${twin}`);
    seen.set(sku, name);
    if (!Number.isFinite(usd) || usd < 0 || usd > MAX_USD_PER_MINUTE) return problem(field, `must be a USD amount per minute between 0 and ${MAX_USD_PER_MINUTE}, e.g. 0.006`);
  }
  const override: RateOverride = {};
  if (parsed.data.rates) override.rates = parsed.data.rates;
  if (parsed.data.from) override.from = parsed.data.from;
  return { ok: true, override: override.rates ? override : undefined, source: file };
}

function status(err: unknown): number | undefined {
  return typeof err === "object" && err !== null && "status" in err && typeof err.status === "number" ? err.status : undefined;
}

/**
 * Reads the org's override with the installation's token. 404 (no file, no `.github` repo) -> no override.
 * A file the app may not read is reported as a problem; any other failure (outage) is thrown for a retry.
 */
export async function loadChargebackConfig(octokit: Octokit, org: string): Promise<ChargebackResult> {
  const file = `${org}/${CONFIG_REPO}:${CHARGEBACK_PATH}`;
  let text: string;
  try {
    const { data } = await octokit.rest.repos.getContent({ owner: org, repo: CONFIG_REPO, path: CHARGEBACK_PATH });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) {
      return { ok: false, error: { file, field: "(file)", problem: "is not a file" } };
    }
    if (data.size > MAX_BYTES) return { ok: false, error: { file, field: "(file)", problem: `is ${data.size} bytes; at most ${MAX_BYTES} allowed` } };
    text = Buffer.from(data.content, "base64").toString("utf8");
  } catch (err) {
    const code = status(err);
    if (code === 404) return { ok: true, override: undefined, source: "github" };
    if (code === 401 || (code === 403 && !isRateLimit(err))) {
      return { ok: false, error: { file, field: "(file)", problem: `cannot be read by the app (HTTP ${code}): grant it Contents read on ${org}/${CONFIG_REPO}` } };
    }
    throw err;
  }
  return parseChargebackConfig(text, file);
}

function isRateLimit(err: unknown): boolean {
  const headers = (err as { response?: { headers?: Record<string, unknown> } }).response?.headers;
  return String(headers?.["x-ratelimit-remaining"]) === "0";
}

export const CHARGEBACK_TTL_MS = 5 * 60 * 1000;
const cache = new Map<string, { at: number; result: Promise<ChargebackResult> }>();

/** Tests start from an empty cache. */
export function clearChargebackCache(): void {
  cache.clear();
}

/** As loadChargebackConfig, remembered per org for a few minutes: a burst of runs reads the file once. */
export function chargebackConfigFor(octokit: Octokit, org: string, now = Date.now()): Promise<ChargebackResult> {
  const key = org.toLowerCase();
  const hit = cache.get(key);
  if (hit && now - hit.at < CHARGEBACK_TTL_MS) return hit.result;
  const entry = { at: now, result: loadChargebackConfig(octokit, org) };
  cache.set(key, entry);
  entry.result.catch(() => {
    if (cache.get(key) === entry) cache.delete(key);
  });
  return entry.result;
}
