// Types for the pure Actions pricing logic. Money is always integer micro-dollars (1 USD = 1_000_000).

/** One item of GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt}/jobs. */
export interface JobInput {
  id: number;
  name?: string;
  status: string;
  conclusion: string | null;
  started_at: string | null;
  completed_at: string | null;
  labels: string[];
  runner_name?: string | null;
  runner_group_name?: string | null;
  run_attempt?: number;
}

/** A larger runner from GET /orgs/{org}/actions/hosted-runners, reduced to what pricing needs. */
export interface HostedRunner {
  name: string;
  /** e.g. linux-x64, linux-arm64, win-x64, win-arm64 */
  platform: string;
  /** machine_size_details.cpu_cores */
  cpuCores: number;
  gpu?: boolean;
}

export type Visibility = "public" | "private" | "internal";

/** One dated slice of the rate table; `from`/`until` are inclusive UTC dates (YYYY-MM-DD), `until` null = open. */
export interface RatePeriod {
  from: string;
  until: string | null;
  /** normalised SKU key -> integer micro-dollars per minute */
  rates: Record<string, number>;
}

export interface PlatformCharge {
  enabled: boolean;
  /** first UTC date (YYYY-MM-DD) the charge applies */
  from: string;
  /** integer micro-dollars per self-hosted minute */
  rate: number;
}

/** Shape of app/pricing/rates.json. */
export interface RateTable {
  source: string;
  currency: string;
  unit: string;
  periods: RatePeriod[];
  selfHostedPlatformCharge: PlatformCharge;
  /** SKU keys whose rates GitHub does not publish as such (standard arm64): priced, but to be checked */
  unverified?: string[];
  notes?: string[];
}

/**
 * An org's override of the rate table, written the way an admin reads GitHub's price list:
 *   { "rates": { "actions_linux": 0.005, "Linux 4-core": 0.01 }, "from": "2026-06-01" }
 * - `rates`: SKU (any spelling normaliseSku accepts) -> USD per minute as a decimal; converted to micro-dollars.
 * - `from`: UTC date (YYYY-MM-DD) from which the override applies; absent = every period.
 * SKUs not named keep the table's rates.
 */
export interface RateOverride {
  rates?: Record<string, number>;
  from?: string;
}

export interface PricedJob {
  id: number;
  name?: string;
  sku: string;
  minutes: number;
  costMicros: number;
  /** true when the job's minutes were charged at a rate */
  billable: boolean;
  /** why the job was not charged, e.g. "self-hosted", "public-repo standard runner", "not started", "unknown label" */
  reason?: string;
  /** the runner could not be priced (unrecognised label, or no rate for the SKU on that date) */
  unknown?: boolean;
  /** a free use of a standard runner (Dependabot run, Pages build): `reason` says which */
  freeUse?: "dependabot" | "pages";
  /** the job's labels and runner group, kept for the per-job view */
  labels?: string[];
  runnerGroup?: string | null;
}

export interface SkuTotals {
  jobs: number;
  minutes: number;
  costMicros: number;
}

export interface PricedAttempt {
  jobs: number;
  minutes: number;
  costMicros: number;
  bySku: Record<string, SkuTotals>;
  /** minutes of jobs flagged unknown (counted in `minutes`, not in `costMicros`) */
  unknownMinutes: number;
  /** distinct label sets of unknown jobs, each lower-cased, sorted and joined with "," */
  unknownLabels: string[];
  pricedJobs: PricedJob[];
}
