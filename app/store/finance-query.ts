// Reads of the finance aggregates: cost centres, workflows, the org's months, budget-alert markers and the
// remembered settings. All in the org's partition, read with Query on the table key (begins_with), never Scan.
import { GetItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { settingsSchema, type ChargebackSettings } from "../chargeback/settings.js";
import { amountsFromItem, type Amounts } from "../records/totals.js";
import { BUDGET_ALERT_PREFIX, COST_CENTER_PREFIX, keyPart, ORG_TOTALS_PREFIX, orgPk, settingsKey, WORKFLOW_PREFIX } from "../records/keys.js";
import { dynamoClient, queryAll } from "./dynamo.js";
import { TABLE, tableName } from "./table.js";

async function orgItems(org: string, prefix: string, db = dynamoClient(), table = tableName()): Promise<Array<Record<string, unknown>>> {
  const items = await queryAll(db, {
    TableName: table,
    KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :prefix)",
    ExpressionAttributeNames: { "#pk": TABLE.partitionKey, "#sk": TABLE.sortKey },
    ExpressionAttributeValues: marshall({ ":pk": orgPk(org), ":prefix": prefix }),
  });
  return items.map((i) => unmarshall(i));
}

export interface CostCenterTotals extends Amounts {
  costCenter: string;
  month: string;
}

export interface WorkflowTotals extends Amounts {
  repository: string;
  workflow: string;
  costCenter: string;
  month: string;
}

export interface OrgMonthTotals extends Amounts {
  month: string;
}

/** One item per cost centre and month (all months without `month`). */
export async function queryCostCenterTotals(org: string, month?: string): Promise<CostCenterTotals[]> {
  const items = await orgItems(org, month ? `${COST_CENTER_PREFIX}${month}#` : COST_CENTER_PREFIX);
  return items.map((i) => ({ ...amountsFromItem(i), costCenter: String(i.costCenter ?? ""), month: String(i.period ?? "") }));
}

/** One item per (repository, workflow file, cost centre) and month; `repo` narrows the Query to one repository. */
export async function queryWorkflowTotals(org: string, month?: string, repo?: string): Promise<WorkflowTotals[]> {
  const prefix = month ? `${WORKFLOW_PREFIX}${month}#${repo ? `${keyPart(repo.toLowerCase())}#` : ""}` : WORKFLOW_PREFIX;
  const items = await orgItems(org, prefix);
  return items
    .map((i) => ({
      ...amountsFromItem(i),
      repository: String(i.repository ?? ""),
      workflow: String(i.workflow ?? ""),
      costCenter: String(i.costCenter ?? ""),
      month: String(i.period ?? ""),
    }))
    .filter((w) => !repo || w.repository.toLowerCase() === repo.toLowerCase());
}

export async function queryOrgMonths(org: string, month?: string): Promise<OrgMonthTotals[]> {
  const items = await orgItems(org, month ? `${ORG_TOTALS_PREFIX}${month}` : ORG_TOTALS_PREFIX);
  return items.map((i) => ({ ...amountsFromItem(i), month: String(i.period ?? "") }));
}

export interface BudgetAlertRecord {
  scope: string;
  month: string;
  pct: number;
  mtdMicros: number;
  forecastMicros: number;
  budgetMicros: number;
  sent: boolean;
  /** Published, but SNS's answer was lost: it is not sent again (the machine's MarkBudgetAlertUnconfirmed). */
  unconfirmed: boolean;
  decidedAt: string;
}

export async function queryBudgetAlerts(org: string, month?: string): Promise<BudgetAlertRecord[]> {
  const items = await orgItems(org, month ? `${BUDGET_ALERT_PREFIX}${month}#` : BUDGET_ALERT_PREFIX);
  return items.map((i) => ({
    scope: String(i.scope),
    month: String(i.month),
    pct: Number(i.pct),
    mtdMicros: Number(i.mtdMicros ?? 0),
    forecastMicros: Number(i.forecastMicros ?? 0),
    budgetMicros: Number(i.budgetMicros ?? 0),
    sent: i.sent === true,
    unconfirmed: i.unconfirmed === true,
    decidedAt: String(i.decidedAt ?? ""),
  }));
}

/** The settings the recordings last applied (see the machine's RememberSettings), or undefined. */
export async function readRememberedSettings(org: string): Promise<{ settings: ChargebackSettings; source: string; readAt: string } | undefined> {
  const out = await dynamoClient().send(new GetItemCommand({ TableName: tableName(), Key: marshall(settingsKey(org)), ConsistentRead: true }));
  if (!out.Item) return undefined;
  const item = unmarshall(out.Item);
  const parsed = settingsSchema.safeParse(JSON.parse(String(item.settings ?? "null")));
  if (!parsed.success) return undefined;
  return { settings: parsed.data, source: String(item.source ?? ""), readAt: String(item.readAt ?? "") };
}
