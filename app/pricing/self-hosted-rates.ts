// Internal chargeback of self-hosted fleets: `.github/chargeback.yml` may give a rate (USD per minute, e.g. the
// fleet's instance cost) per self-hosted runner label or runner group. GitHub bills these minutes at $0; the app
// prices them under their own SKU so that each repository (and cost centre) is charged for the fleet minutes its
// jobs used, org-level runners included. Without a rate they stay at $0. Pure.
import { SELF_HOSTED_SKU } from "./sku.js";

export interface SelfHostedRate {
  /** one of the job's labels (case-insensitive), e.g. gpu-fleet */
  label?: string;
  /** the job's runner group (runner_group_name, case-insensitive), e.g. linux-fleet */
  group?: string;
  /** integer micro-dollars per minute */
  micros: number;
}

export const FLEET_SKU_PREFIX = `${SELF_HOSTED_SKU}_`;

function slug(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 60);
}

/** The SKU of one fleet rule: self_hosted_label_<label> or self_hosted_group_<group>. */
export function fleetSku(rate: Pick<SelfHostedRate, "label" | "group">): string {
  return rate.label !== undefined ? `${FLEET_SKU_PREFIX}label_${slug(rate.label)}` : `${FLEET_SKU_PREFIX}group_${slug(rate.group ?? "")}`;
}

export function isFleetSku(sku: string): boolean {
  return sku.startsWith(FLEET_SKU_PREFIX);
}

/** The first rule (file order) that names one of the job's labels or its runner group; undefined: no rate. */
export function fleetRateFor(rates: readonly SelfHostedRate[], labels: readonly string[], group: string | null | undefined): SelfHostedRate | undefined {
  const lower = new Set(labels.map((l) => l.trim().toLowerCase()));
  const g = group?.trim().toLowerCase();
  return rates.find((r) => (r.label !== undefined ? lower.has(r.label.trim().toLowerCase()) : g !== undefined && r.group?.trim().toLowerCase() === g));
}

const MICROS_PER_USD = 1_000_000;

/** The settings' USD-per-minute fleet rates as integer micro-dollars (rounded to the micro-dollar). */
export function fleetRatesFrom(settings: ReadonlyArray<{ label?: string; group?: string; usdPerMinute: number }> | undefined): SelfHostedRate[] {
  return (settings ?? []).map((r) => ({
    ...(r.label !== undefined ? { label: r.label } : { group: r.group ?? "" }),
    micros: Math.round(r.usdPerMinute * MICROS_PER_USD),
  }));
}
