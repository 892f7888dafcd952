// Budgets: which budgets an attempt touches, the thresholds in micro-dollars, the linear forecast to month end, and
// the alert an attempt's recording may raise. Pure: the price-run task says which budgets to check, the machine
// reads their month-to-date after the recording committed, the budget-alerts task decides, and the machine claims
// each alert with a conditional write before it publishes (see machines/workflow-run-cost.asl.json).
import { marshall } from "@aws-sdk/util-dynamodb";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { formatUsd } from "../pricing/price.js";
import { budgetAlertKey, costCenterTotalsKey, orgTotalsKey } from "../records/keys.js";
import { repoPk, totalsSk } from "../records/keys.js";
import type { Budget } from "./settings.js";

export const MICROS = 1_000_000;
const DAY_MS = 86_400_000;

export function budgetMicros(b: Pick<Budget, "monthlyUsd">): number {
  return Math.round(b.monthlyUsd * MICROS);
}

/** The month-to-date that reaches `pct` percent of the budget: integer micro-dollars, rounded up. */
export function thresholdMicros(budget: number, pct: number): number {
  return Math.ceil((budget * pct) / 100);
}

export type ScopeKind = "org" | "cost-center" | "repo";

export function parseScope(scope: string): { kind: ScopeKind; name: string } {
  if (scope === "org") return { kind: "org", name: "" };
  if (scope.startsWith("cost-center:")) return { kind: "cost-center", name: scope.slice("cost-center:".length).trim() };
  return { kind: "repo", name: scope.slice("repo:".length) };
}

/** The totals item that holds a scope's month-to-date. */
export function scopeTotalsKey(org: string, scope: string, month: string): { pk: string; sk: string } {
  const s = parseScope(scope);
  if (s.kind === "org") return orgTotalsKey(org, month);
  if (s.kind === "cost-center") return costCenterTotalsKey(org, month, s.name);
  return { pk: repoPk(s.name), sk: totalsSk(month) };
}

/** One budget an attempt touches, as the machine carries it from the price-run task to the budget-alerts task. */
export const budgetCheckSchema = z.object({
  scope: z.string(),
  /** marshalled key of the scope's month totals: the machine reads it (GetItem, consistent) after recording */
  key: z.record(z.string(), z.any()),
  budgetMicros: z.number().int().positive(),
  alertAt: z.array(z.number().int().positive()),
});
export type BudgetCheck = z.infer<typeof budgetCheckSchema>;

export const budgetChecksSchema = z.object({
  org: z.string(),
  month: z.string().regex(/^\d{4}-\d{2}$/),
  /** when the attempt completed: the forecast's "now", the same on every replay */
  at: z.string(),
  /** one line naming the attempt, for the alert's text */
  attempt: z.string(),
  checks: z.array(budgetCheckSchema),
});
export type BudgetChecks = z.infer<typeof budgetChecksSchema>;

/** The budgets an attempt of this org, repository and cost centre touches: the org's, its cost centre's, its repo's. */
export function budgetsTouched(budgets: Budget[], repository: string, costCenter: string): Budget[] {
  return budgets.filter((b) => {
    const s = parseScope(b.scope);
    if (s.kind === "org") return true;
    if (s.kind === "cost-center") return s.name === costCenter;
    return s.name.toLowerCase() === repository.toLowerCase();
  });
}

export function budgetChecks(
  budgets: Budget[],
  a: { org: string; repository: string; costCenter: string; month: string; at: string; attempt: string },
): BudgetChecks {
  return {
    org: a.org.toLowerCase(),
    month: a.month,
    at: a.at,
    attempt: a.attempt,
    checks: budgetsTouched(budgets, a.repository, a.costCenter).map((b) => ({
      scope: b.scope,
      key: marshall(scopeTotalsKey(a.org, b.scope, a.month)),
      budgetMicros: budgetMicros(b),
      alertAt: b.alertAt,
    })),
  };
}

function monthBounds(month: string): { start: number; end: number } {
  const [y, m] = month.split("-").map(Number) as [number, number];
  return { start: Date.UTC(y, m - 1, 1), end: Date.UTC(y, m, 1) };
}

/**
 * Linear forecast to month end: the month-to-date spread over the time elapsed, times the month's length. The
 * elapsed time counts at least one day, so a spend in the month's first minutes does not forecast a fortune; a
 * month that is over forecasts what it spent.
 */
export function forecastMicros(mtdMicros: number, month: string, at: Date): number {
  const { start, end } = monthBounds(month);
  const now = at.getTime();
  if (now >= end) return mtdMicros;
  const elapsed = Math.max(DAY_MS, now - start);
  if (elapsed >= end - start) return mtdMicros;
  return Math.round((mtdMicros * (end - start)) / elapsed);
}

/** The thresholds (percent) a month-to-date has reached, lowest first. */
export function reachedThresholds(mtdMicros: number, budget: number, alertAt: number[]): number[] {
  return [...alertAt].sort((a, b) => a - b).filter((pct) => mtdMicros >= thresholdMicros(budget, pct));
}

function percent(part: number, whole: number): string {
  return `${((part * 100) / whole).toFixed(1)}%`;
}

/** The marker that makes an alert happen once per (scope, month, threshold), and the text that is sent. */
export interface BudgetAlert {
  key: Record<string, AttributeValue>;
  item: Record<string, AttributeValue>;
  owner: string;
  /** ExpressionAttributeValues of the claim and of the sent mark (the machine passes them as they are) */
  claimValues: Record<string, AttributeValue>;
  sentValues: Record<string, AttributeValue>;
  subject: string;
  message: string;
}

/** SNS refuses a subject of 100 characters or more, or with a line break. */
function subjectOf(text: string): string {
  const one = text.replace(/[\r\n]+/g, " ");
  return one.length < 100 ? one : `${one.slice(0, 98)}…`;
}

/**
 * The alerts the month-to-date now warrants. `totals[i]` is the GetItem output for `checks[i]` (no Item: nothing
 * recorded yet). The highest reached threshold of each budget is proposed (a run that passes several at once sends
 * one alert, for the highest: at most one per budget, so that a run's alerts stay within Step Functions' limits for
 * 100 budgets); the machine's conditional write lets only the first execution to claim a (scope, month, threshold)
 * send it.
 */
export function decideAlerts(input: BudgetChecks, totals: Array<{ Item?: Record<string, AttributeValue> }>, owner: string): BudgetAlert[] {
  const out: BudgetAlert[] = [];
  const at = new Date(input.at);
  input.checks.forEach((check, i) => {
    const cost = totals[i]?.Item?.costMicros;
    const mtd = cost && "N" in cost && cost.N !== undefined ? Number(cost.N) : 0;
    const forecast = forecastMicros(mtd, input.month, at);
    for (const pct of reachedThresholds(mtd, check.budgetMicros, check.alertAt).slice(-1)) {
      const key = budgetAlertKey(input.org, input.month, check.scope, pct);
      const subject = subjectOf(`Budget ${pct}% reached: ${check.scope} ${input.month}, $${formatUsd(mtd)} of $${formatUsd(check.budgetMicros)}`);
      const message = [
        `${input.org}: ${check.scope} reached ${pct}% of its monthly budget for ${input.month}.`,
        `Month to date: $${formatUsd(mtd)} (${percent(mtd, check.budgetMicros)} of the $${formatUsd(check.budgetMicros)} budget).`,
        `Linear forecast to month end: $${formatUsd(forecast)} (${percent(forecast, check.budgetMicros)} of the budget).`,
        `Gross cost at GitHub's per-minute rates, as recorded by org-flows. Reached while recording: ${input.attempt}`,
      ].join("\n");
      out.push({
        key: marshall(key),
        item: marshall({
          ...key,
          type: "budgetalert",
          org: input.org,
          month: input.month,
          scope: check.scope,
          pct,
          budgetMicros: check.budgetMicros,
          thresholdMicros: thresholdMicros(check.budgetMicros, pct),
          mtdMicros: mtd,
          forecastMicros: forecast,
          decidedAt: input.at,
          owner,
          subject,
        }),
        owner,
        claimValues: { ":owner": { S: owner } },
        sentValues: { ":owner": { S: owner }, ":yes": { BOOL: true } },
        subject,
        message,
      });
    }
  });
  return out;
}
