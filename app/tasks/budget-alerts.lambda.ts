// Task Lambda of the workflow-run-cost machine, after an attempt is recorded: from the month-to-date of each budget
// the attempt touches (read by the machine, consistently, after the commit), the alerts now warranted, with the
// forecast and the text. Pure computation: it reads and writes nothing. The machine claims each alert with a
// conditional write (one claim per scope, month and threshold) and publishes only what it claimed.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { budgetChecksSchema, decideAlerts, type BudgetAlert } from "../chargeback/budgets.js";
import { firstIssue } from "../validation.js";
import { InvalidInputError } from "../errors.js";

export const budgetAlertsInputSchema = z.object({
  budgets: budgetChecksSchema,
  /** GetItem outputs, one per budgets.checks entry, in the same order */
  totals: z.array(z.object({ Item: z.record(z.string(), z.any()).optional() }).passthrough()),
  /** the execution (its id): a resumed or redriven execution may finish sending an alert it claimed */
  owner: z.string().min(1),
});

export type BudgetAlertsInput = z.infer<typeof budgetAlertsInputSchema>;

export interface BudgetAlertsOutput {
  alerts: BudgetAlert[];
  count: number;
}

export async function handler(event: unknown): Promise<BudgetAlertsOutput> {
  const parsed = budgetAlertsInputSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`budget-alerts input: ${firstIssue(parsed.error)}`);
  const { budgets, totals, owner } = parsed.data;
  if (totals.length !== budgets.checks.length) throw new InvalidInputError(`budget-alerts input: ${totals.length} totals for ${budgets.checks.length} budgets`);
  const alerts = decideAlerts(budgets, totals as Array<{ Item?: Record<string, AttributeValue> }>, owner);
  return { alerts, count: alerts.length };
}
