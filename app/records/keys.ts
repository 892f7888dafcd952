// Every key and index entry of the table, in one place: the repository partition (run records, run-seen markers,
// repository totals) and the org partition (the org's, cost centres' and workflow cells' months, budget-alert
// markers, the remembered settings). Pure.

export interface TableKey {
  pk: string;
  sk: string;
}

/** GitHub logins and repository names are case-insensitive: keys are lower-cased so a rename of case is one repo. */
export function repoPk(fullName: string): string {
  return `REPO#${fullName.toLowerCase()}`;
}

/** A run attempt's record: time-ordered within its repository. */
export function runSk(completedAt: string, runId: number, attempt: number): string {
  return `RUN#${completedAt}#${runId}#${attempt}`;
}

/** Marks a run (all its attempts) as counted once in the runs totals. */
export function runSeenSk(runId: number): string {
  return `RUNSEEN#${runId}`;
}

export function totalsSk(month?: string): string {
  return month === undefined ? "TOTALS" : `TOTALS#${month}`;
}

/** A repository's all-time totals (no month) or its month's. */
export function repoTotalsKey(fullName: string, month?: string): TableKey {
  return { pk: repoPk(fullName), sk: totalsSk(month) };
}

/** gsi1 partitions that list an org's repository totals, all-time and per month. */
export function orgAllTimeGsi(org: string): string {
  return `ORG#${org.toLowerCase()}#ALL`;
}

export function orgMonthGsi(org: string, month: string): string {
  return `ORG#${org.toLowerCase()}#MONTH#${month}`;
}

/** gsi1 partition that lists an org's run records: how totals are rebuilt without a Scan. */
export function orgRunsGsi(org: string): string {
  return `ORG#${org.toLowerCase()}#RUNS`;
}

/** Key parts that are names (cost centres, workflow files, scopes) are encoded, so '#' in a name cannot collide. */
export function keyPart(name: string): string {
  return encodeURIComponent(name);
}

export function orgPk(org: string): string {
  return `ORG#${org.toLowerCase()}`;
}

export const ORG_TOTALS_PREFIX = "TOTALS#";
export const COST_CENTER_PREFIX = "CCTOTALS#";
export const WORKFLOW_PREFIX = "WFTOTALS#";
export const BUDGET_ALERT_PREFIX = "BUDGETALERT#";
export const SETTINGS_SK = "CHARGEBACK#SETTINGS";

export function orgTotalsKey(org: string, month: string): TableKey {
  return { pk: orgPk(org), sk: `${ORG_TOTALS_PREFIX}${month}` };
}

export function costCenterTotalsKey(org: string, month: string, costCenter: string): TableKey {
  return { pk: orgPk(org), sk: `${COST_CENTER_PREFIX}${month}#${keyPart(costCenter)}` };
}

export function workflowTotalsKey(org: string, month: string, repository: string, workflow: string, costCenter: string): TableKey {
  return { pk: orgPk(org), sk: `${WORKFLOW_PREFIX}${month}#${keyPart(repository.toLowerCase())}#${keyPart(workflow)}#${keyPart(costCenter)}` };
}

export function budgetAlertKey(org: string, month: string, scope: string, pct: number): TableKey {
  return { pk: orgPk(org), sk: `${BUDGET_ALERT_PREFIX}${month}#${keyPart(scope.toLowerCase())}#${String(pct).padStart(4, "0")}` };
}

export function settingsKey(org: string): TableKey {
  return { pk: orgPk(org), sk: SETTINGS_SK };
}
