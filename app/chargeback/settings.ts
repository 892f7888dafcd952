// The finance half of `.github/chargeback.yml`: how run attempts are allocated to cost centres, and the monthly
// budgets that alert. Pure: parsed and checked here, applied by app/chargeback/allocation.ts and budgets.ts.
//
//   costCenter:
//     property: cost-center          # the repository custom property that names the cost centre (default)
//   costCenters:                     # rules for repositories without the property: globs over owner/name,
//     platform:                      # first match wins, in file order
//       repos: ["acme/infra-*", "acme/deploy"]
//   budgets:
//     - scope: org                   # or cost-center:<name>, or repo:<owner>/<name>
//       monthlyUsd: 500
//       alertAt: [75, 90, 100]       # percent of the budget; this is the default
//   selfHosted:                      # internal rates of self-hosted fleets, first match wins, in file order
//     - label: gpu-fleet             # a runner label, or
//       usdPerMinute: 0.004
//     - group: linux-fleet           # a runner group (runner_group_name)
//       usdPerMinute: 0.0012
import * as z from "zod";
import { expandBraces, MAX_GLOB_ALTERNATIVES } from "../config/glob.js";

export const UNALLOCATED = "unallocated";
export const DEFAULT_COST_CENTER_PROPERTY = "cost-center";
export const DEFAULT_ALERT_AT: readonly number[] = [75, 90, 100];

/** A cost centre's name: what finance calls it. No line breaks; '#' is allowed (keys are encoded). */
export const costCenterName = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(64, "must be at most 64 characters")
  .regex(/^[^\r\n\t]+$/, "must be one line");

const repoGlob = z
  .string()
  .min(3, "must be a glob over owner/name, e.g. acme/infra-*")
  .max(200, "must be at most 200 characters")
  .regex(/^[A-Za-z0-9*?[\]{},!._-]+\/[A-Za-z0-9*?[\]{},!._-]+$/, "must be a glob over owner/name, e.g. acme/infra-*")
  .refine((g) => expandBraces(g) !== null, `must expand to at most ${MAX_GLOB_ALTERNATIVES} alternatives through {a,b}`);

export const BUDGET_SCOPE_RE = /^(org|cost-center:[^\r\n\t]{1,64}|repo:[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)$/;

export const budgetSchema = z.strictObject({
  scope: z
    .string({ error: "must be org, cost-center:<name> or repo:<owner>/<name>" })
    .regex(BUDGET_SCOPE_RE, "must be org, cost-center:<name> or repo:<owner>/<name>"),
  monthlyUsd: z
    .number({ error: "must be a number of US dollars a month, e.g. 500" })
    .positive("must be more than 0")
    .max(100_000_000, "must be at most 100,000,000"),
  alertAt: z
    .array(z.number().int("must be whole percents").min(1, "must be at least 1").max(1000, "must be at most 1000"), {
      error: "must be a list of percents, e.g. [75, 90, 100]",
    })
    .min(1, "must name at least one percent")
    .max(10, "at most 10 thresholds")
    .refine((a) => new Set(a).size === a.length, "must not repeat a percent")
    .default([...DEFAULT_ALERT_AT]),
});

/** A runner label or group name as GitHub accepts them: one line, no commas. */
const runnerName = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .regex(/^[^\r\n\t,]+$/, "must be one runner label or group name");

export const selfHostedRateSchema = z
  .strictObject({
    label: runnerName.optional(),
    group: runnerName.optional(),
    usdPerMinute: z
      .number({ error: "must be a number: USD per minute, e.g. 0.004" })
      .min(0, "must be 0 or more")
      .max(10, "must be at most 10 USD a minute (is it per hour?)"),
  })
  .refine((r) => (r.label === undefined) !== (r.group === undefined), "must name exactly one of label or group");

export const financeSchemaShape = {
  costCenter: z
    .strictObject({
      property: z
        .string()
        .min(1)
        .max(75)
        .regex(/^[A-Za-z0-9_.$@-]+$/, "must be a custom property name")
        .default(DEFAULT_COST_CENTER_PROPERTY),
    })
    .optional(),
  costCenters: z
    .record(costCenterName, z.strictObject({ repos: z.array(repoGlob).min(1, "must list at least one glob").max(500, "at most 500 globs") }))
    .optional(),
  budgets: z.array(budgetSchema).max(100, "at most 100 budgets").optional(),
  selfHosted: z.array(selfHostedRateSchema).max(100, "at most 100 self-hosted rates").optional(),
};

export type SelfHostedRateSetting = { label?: string; group?: string; usdPerMinute: number };

export type Budget = { scope: string; monthlyUsd: number; alertAt: number[] };

/** What the price-run task applies to every attempt, and what the report and --reallocate re-apply. */
export interface ChargebackSettings {
  costCenterProperty: string;
  /** in file order: first match wins */
  costCenters: Array<{ name: string; repos: string[] }>;
  budgets: Budget[];
  /** internal rates of self-hosted fleets, in file order (absent: self-hosted minutes stay at $0) */
  selfHosted?: SelfHostedRateSetting[];
}

export const settingsSchema = z.object({
  costCenterProperty: z.string(),
  costCenters: z.array(z.object({ name: z.string(), repos: z.array(z.string()) })),
  budgets: z.array(z.object({ scope: z.string(), monthlyUsd: z.number(), alertAt: z.array(z.number()) })),
  selfHosted: z.array(z.object({ label: z.string().optional(), group: z.string().optional(), usdPerMinute: z.number() })).optional(),
});

export const DEFAULT_SETTINGS: ChargebackSettings = { costCenterProperty: DEFAULT_COST_CENTER_PROPERTY, costCenters: [], budgets: [] };

type Parsed = {
  costCenter?: { property: string };
  costCenters?: Record<string, { repos: string[] }>;
  budgets?: Budget[];
  selfHosted?: SelfHostedRateSetting[];
};

/** Checks what zod cannot see (duplicate scopes) and normalises the parsed fields: the settings and every problem found. */
export function settingsFrom(parsed: Parsed): { settings: ChargebackSettings; problems: Array<{ field: string; problem: string }> } {
  const budgets = parsed.budgets ?? [];
  const problems: Array<{ field: string; problem: string }> = [];
  const seen = new Map<string, number>();
  for (const [i, b] of budgets.entries()) {
    const key = b.scope.toLowerCase();
    const twin = seen.get(key);
    if (twin !== undefined) problems.push({ field: `budgets[${i}].scope`, problem: `the same scope as budgets[${twin}]: one budget per scope` });
    else seen.set(key, i);
  }
  const fleets = new Map<string, number>();
  for (const [i, r] of (parsed.selfHosted ?? []).entries()) {
    const key = r.label !== undefined ? `label:${r.label.toLowerCase()}` : `group:${(r.group ?? "").toLowerCase()}`;
    const twin = fleets.get(key);
    if (twin !== undefined) problems.push({ field: `selfHosted[${i}]`, problem: `names the same runner ${key.replace(":", " ")} as selfHosted[${twin}]` });
    else fleets.set(key, i);
  }
  const settings: ChargebackSettings = {
    costCenterProperty: parsed.costCenter?.property ?? DEFAULT_COST_CENTER_PROPERTY,
    costCenters: Object.entries(parsed.costCenters ?? {}).map(([name, r]) => ({ name: name.trim(), repos: r.repos })),
    budgets: budgets.map((b) => ({ scope: b.scope, monthlyUsd: b.monthlyUsd, alertAt: [...b.alertAt].sort((x, y) => x - y) })),
  };
  if (parsed.selfHosted?.length) {
    settings.selfHosted = parsed.selfHosted.map((r) => ({
      ...(r.label !== undefined ? { label: r.label } : { group: r.group }),
      usdPerMinute: r.usdPerMinute,
    }));
  }
  return { problems, settings };
}
