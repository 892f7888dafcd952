// Pure pricing of GitHub Actions jobs (no network). Money is integer micro-dollars throughout.
import { readFileSync } from "node:fs";
import type { FreeUse } from "./free-uses.js";
import { fleetRateFor, fleetSku, type SelfHostedRate } from "./self-hosted-rates.js";
import { normaliseSku, resolveSku, SELF_HOSTED_SKU } from "./sku.js";
import type { HostedRunner, JobInput, PlatformCharge, PricedAttempt, PricedJob, RateOverride, RatePeriod, RateTable, SkuTotals, Visibility } from "./types.js";

export interface PriceContext {
  visibility: Visibility;
  hostedRunners: HostedRunner[];
  rates: RateTable;
  /** the run is a Dependabot run or a Pages build: its standard-runner minutes are free (app/pricing/free-uses.ts) */
  freeUse?: FreeUse;
  /** the org's internal rates for self-hosted fleets (chargeback.yml `selfHosted`), in file order */
  selfHostedRates?: readonly SelfHostedRate[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MICROS_PER_USD = 1_000_000;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isMicros(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

function fail(msg: string): never {
  throw new Error(`rates.json: ${msg}`);
}

// Minimal shape check so a hand-edited table fails loudly instead of pricing at undefined.
function validateRateTable(v: unknown): RateTable {
  if (!isRecord(v)) fail("not an object");
  if (typeof v.source !== "string") fail("source must be a string");
  if (typeof v.currency !== "string") fail("currency must be a string");
  if (typeof v.unit !== "string") fail("unit must be a string");
  if (!Array.isArray(v.periods) || v.periods.length === 0) fail("periods must be a non-empty array");
  const periods: RatePeriod[] = v.periods.map((p: unknown, i: number) => {
    if (!isRecord(p)) fail(`periods[${i}] not an object`);
    if (typeof p.from !== "string" || !DATE.test(p.from)) fail(`periods[${i}].from must be YYYY-MM-DD`);
    if (p.until !== null && (typeof p.until !== "string" || !DATE.test(p.until))) fail(`periods[${i}].until must be YYYY-MM-DD or null`);
    if (!isRecord(p.rates)) fail(`periods[${i}].rates not an object`);
    const rates: Record<string, number> = {};
    for (const [sku, rate] of Object.entries(p.rates)) {
      if (!isMicros(rate)) fail(`periods[${i}].rates.${sku} must be a non-negative integer (micro-dollars)`);
      rates[sku] = rate;
    }
    return { from: p.from, until: p.until, rates };
  });
  const c = v.selfHostedPlatformCharge;
  if (!isRecord(c) || typeof c.enabled !== "boolean" || typeof c.from !== "string" || !DATE.test(c.from) || !isMicros(c.rate))
    fail("selfHostedPlatformCharge must be { enabled: boolean, from: YYYY-MM-DD, rate: integer }");
  const table: RateTable = {
    source: v.source,
    currency: v.currency,
    unit: v.unit,
    periods,
    selfHostedPlatformCharge: { enabled: c.enabled, from: c.from, rate: c.rate },
  };
  if (Array.isArray(v.unverified)) table.unverified = v.unverified.filter((s): s is string => typeof s === "string");
  if (Array.isArray(v.notes)) table.notes = v.notes.filter((s): s is string => typeof s === "string");
  return table;
}

let baseTable: RateTable | undefined;

function cloneTable(t: RateTable): RateTable {
  return structuredClone(t);
}

// The day before a YYYY-MM-DD date, in UTC.
function dayBefore(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

function overrideMicros(override: RateOverride): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, usd] of Object.entries(override.rates ?? {})) {
    if (typeof usd !== "number" || !Number.isFinite(usd) || usd < 0) throw new Error(`rate override for ${name} must be a non-negative USD amount per minute`);
    // Admins write decimals (0.006); round to the micro-dollar so products stay exact integers.
    out[normaliseSku(name)] = Math.round(usd * MICROS_PER_USD);
  }
  return out;
}

function applyOverride(table: RateTable, override: RateOverride): RateTable {
  const rates = overrideMicros(override);
  const from = override.from;
  if (from !== undefined && !DATE.test(from)) throw new Error("rate override from must be YYYY-MM-DD");
  const periods: RatePeriod[] = [];
  for (const p of table.periods) {
    const merged = (): RatePeriod => ({ from: p.from, until: p.until, rates: { ...p.rates, ...rates } });
    if (from === undefined || p.from >= from) {
      periods.push(merged());
    } else if (p.until !== null && p.until < from) {
      periods.push(p);
    } else {
      // The override starts inside this period: split it at `from`.
      periods.push({ from: p.from, until: dayBefore(from), rates: { ...p.rates } });
      periods.push({ from, until: p.until, rates: { ...p.rates, ...rates } });
    }
  }
  return { ...table, periods };
}

/** The dated rate table from rates.json, with an org's override merged on top. Returns a fresh copy. */
export function loadRateTable(override?: RateOverride): RateTable {
  if (baseTable === undefined) {
    const text = readFileSync(new URL("./rates.json", import.meta.url), "utf8");
    baseTable = validateRateTable(JSON.parse(text) as unknown);
  }
  const table = cloneTable(baseTable);
  return override ? applyOverride(table, override) : table;
}

/** UTC calendar date (YYYY-MM-DD) of an ISO timestamp, or undefined if unparseable. */
function utcDate(iso: string): string | undefined {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10);
}

/** Rate in micro-dollars per minute for a SKU on the UTC date of `dateUtc`; undefined if none applies. */
export function rateFor(table: RateTable, sku: string, dateUtc: string): number | undefined {
  const day = utcDate(dateUtc);
  if (day === undefined) return undefined;
  const period = table.periods.find((p) => p.from <= day && (p.until === null || day <= p.until));
  return period?.rates[normaliseSku(sku)];
}

/** Billed minutes of one job: its own run time rounded up to the whole minute; 0 if it never ran. */
export function billableMinutes(started_at: string | null, completed_at: string | null): number {
  if (started_at === null || completed_at === null) return 0;
  const start = Date.parse(started_at);
  const end = Date.parse(completed_at);
  if (Number.isNaN(start) || Number.isNaN(end)) return 0;
  const ms = end - start;
  // Clock skew produces negative durations in the wild: clamp.
  if (ms <= 0) return 0;
  return Math.ceil(ms / 60_000);
}

function platformChargeApplies(charge: PlatformCharge, day: string | undefined): boolean {
  return charge.enabled && day !== undefined && day >= charge.from;
}

/**
 * Gross cost of one job, following GitHub's billing rules: docs.github.com "Actions runner pricing"
 * (https://docs.github.com/en/billing/reference/actions-runner-pricing) and "About billing for GitHub Actions".
 */
export function priceJob(job: JobInput, ctx: PriceContext): PricedJob {
  const resolved = resolveSku(job.labels, ctx.hostedRunners);
  const minutes = billableMinutes(job.started_at, job.completed_at);
  // The rate period is the day the job finished (or started, if it has no end).
  const when = job.completed_at ?? job.started_at;
  const base: PricedJob = { id: job.id, sku: resolved.sku, minutes, costMicros: 0, billable: false };
  if (job.name !== undefined) base.name = job.name;
  base.labels = job.labels;

  if (resolved.unknown) return { ...base, unknown: true, reason: "unknown label" };
  if (minutes === 0) {
    const reason = job.started_at === null ? "not started" : job.conclusion === "skipped" ? "skipped" : "zero duration";
    return { ...base, reason };
  }
  if (resolved.selfHosted) {
    const charge = ctx.rates.selfHostedPlatformCharge;
    const day = when === null ? undefined : utcDate(when);
    // "Standard GitHub-hosted or self-hosted runner usage on public repositories will remain free"
    // (https://resources.github.com/actions/2026-pricing-changes-for-github-actions/): the platform charge is for
    // private and internal repositories only.
    const platform = ctx.visibility !== "public" && platformChargeApplies(charge, day) ? charge.rate : 0;
    // The org's own fleet rate is an internal cost of the machines: charged whatever the repository's visibility.
    const fleet = fleetRateFor(ctx.selfHostedRates ?? [], job.labels, job.runner_group_name);
    if (fleet !== undefined) {
      return {
        ...base,
        sku: fleetSku(fleet),
        costMicros: minutes * (fleet.micros + platform),
        billable: true,
        reason: "self-hosted fleet rate (chargeback.yml)",
      };
    }
    if (platform > 0) {
      return { ...base, sku: SELF_HOSTED_SKU, costMicros: minutes * platform, billable: true };
    }
    return { ...base, reason: "self-hosted" };
  }
  // Standard runners are free in public repos; larger runners are not. Internal bills like private.
  if (ctx.visibility === "public" && !resolved.larger) {
    return { ...base, reason: "public-repo standard runner" };
  }
  // Dependabot runs and Pages builds on standard runners are free in every repository; larger runners are billed.
  if (ctx.freeUse !== undefined && !resolved.larger) {
    return { ...base, reason: ctx.freeUse.reason, freeUse: ctx.freeUse.kind };
  }
  const rate = when === null ? undefined : rateFor(ctx.rates, resolved.sku, when);
  if (rate === undefined) {
    return { ...base, unknown: true, reason: `no rate for ${resolved.sku} on ${when ?? "unknown date"}` };
  }
  return { ...base, costMicros: minutes * rate, billable: true };
}

function labelSetKey(labels: string[]): string {
  const key = [...new Set(labels.map((l) => l.trim().toLowerCase()))].sort().join(",");
  return key === "" ? "(no labels)" : key;
}

/** Prices every job of one run attempt and totals them by SKU. Callers add attempts together: each is billed. */
export function priceAttempt(jobs: JobInput[], ctx: PriceContext): PricedAttempt {
  const out: PricedAttempt = {
    jobs: 0,
    minutes: 0,
    costMicros: 0,
    bySku: {},
    unknownMinutes: 0,
    unknownLabels: [],
    pricedJobs: [],
  };
  const unknownSets = new Set<string>();
  for (const job of jobs) {
    const priced = priceJob(job, ctx);
    out.pricedJobs.push(priced);
    out.jobs += 1;
    out.minutes += priced.minutes;
    out.costMicros += priced.costMicros;
    const totals: SkuTotals = out.bySku[priced.sku] ?? { jobs: 0, minutes: 0, costMicros: 0 };
    totals.jobs += 1;
    totals.minutes += priced.minutes;
    totals.costMicros += priced.costMicros;
    out.bySku[priced.sku] = totals;
    if (priced.unknown) {
      out.unknownMinutes += priced.minutes;
      unknownSets.add(labelSetKey(job.labels));
    }
  }
  out.unknownLabels = [...unknownSets].sort();
  return out;
}

/** Display string with 2 decimals, rounded half away from zero: 12345678 -> "12.35". No currency sign. */
export function formatUsd(micros: number): string {
  const abs = Math.abs(Math.round(micros));
  // Integer arithmetic: no float rounding surprises on x.xx5.
  const cents = Math.floor((abs + 5_000) / 10_000);
  const sign = micros < 0 && cents > 0 ? "-" : "";
  return `${sign}${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
}

/** USD as a decimal number, exact to 6 places (12345678 -> 12.345678). */
export function microsToUsd(micros: number): number {
  return Math.round(micros) / MICROS_PER_USD;
}
