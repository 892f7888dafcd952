// Task Lambda of the workflow-run-cost machine, after an attempt is recorded: from the month-to-date of each budget
// the attempt touches (read here, consistently, after the commit: reading in the machine cost a Map and a state per
// budget, each a billed transition), the alerts now warranted, with the forecast and the text. It writes nothing.
// The machine claims each alert with a conditional write (one claim per scope, month and threshold) and publishes
// only what it claimed.
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import * as z from "zod";
import { budgetChecksSchema, decideAlerts, type BudgetAlert } from "../chargeback/budgets.js";
import { firstIssue } from "../validation.js";
import { InvalidInputError } from "../errors.js";
import { dynamoClient } from "../store/dynamo.js";
import { tableName } from "../store/table.js";
import { readItem } from "../store/task-reads.js";
import { classify } from "./classify.js";

export const budgetAlertsInputSchema = z.object({
  budgets: budgetChecksSchema,
  /** GetItem outputs, one per budgets.checks entry, in the same order; absent: the task reads them */
  totals: z.array(z.object({ Item: z.record(z.string(), z.any()).optional() }).passthrough()).optional(),
  /** the execution (its id): a resumed or redriven execution may finish sending an alert it claimed */
  owner: z.string().min(1),
});

export type BudgetAlertsInput = z.infer<typeof budgetAlertsInputSchema>;

export interface BudgetAlertsOutput {
  alerts: BudgetAlert[];
  count: number;
}

/** Each budget's month-to-date, read consistently so that the attempt just committed is in it. */
async function readTotals(budgets: BudgetAlertsInput["budgets"]): Promise<Array<{ Item?: Record<string, AttributeValue> }>> {
  const db = dynamoClient();
  try {
    return await Promise.all(
      budgets.checks.map(async (c) => ({ Item: await readItem(db, tableName(), c.key as Record<string, AttributeValue>, ["costMicros"]) })),
    );
  } catch (err) {
    throw classify(err, "budget month-to-date", "DynamoDB");
  }
}

export async function handler(event: unknown): Promise<BudgetAlertsOutput> {
  const parsed = budgetAlertsInputSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`budget-alerts input: ${firstIssue(parsed.error)}`);
  const { budgets, owner } = parsed.data;
  const totals = parsed.data.totals ?? (await readTotals(budgets));
  if (totals.length !== budgets.checks.length) throw new InvalidInputError(`budget-alerts input: ${totals.length} totals for ${budgets.checks.length} budgets`);
  const alerts = decideAlerts(budgets, totals as Array<{ Item?: Record<string, AttributeValue> }>, owner);
  return { alerts, count: alerts.length };
}
