/**
 * Every task Lambda the state machines call, in one place. The bundling and the stack deploy from it, the embedded
 * default runs the same modules from it, the ASL placeholders come from it, and a test checks that every Lambda
 * task of every machine names one of these. Adding a task: write `app/tasks/<name>.lambda.ts` exporting `handler`,
 * add one entry here, and reference `${<Placeholder>}` in the machine.
 *
 * Nothing deployed imports this file: it is read by `infra/` (stack, embedded default) and the tests.
 */
export type LambdaHandler = (event: unknown) => Promise<unknown>;

/** What a task's deployed function needs beyond its code (each becomes an environment variable, a grant or a file). */
export type TaskNeed =
  /** TABLE_NAME (the task only names the table in what it returns: the machine writes) */
  | "tableName"
  /** app/pricing/rates.json beside the bundle */
  | "rates"
  /** the company directory settings (DIRECTORY_SCIM_URL or a directory file shipped in the bundle) */
  | "directory"
  /** TABLE_NAME and consistent GetItem on the table (point reads that spare the machine a state, a billed transition) */
  | "tableRead"
  /** pure computation: no App credentials (no APP_SECRET_ARN, no read access to the secret); every other task has them */
  | "computeOnly";

export interface TaskLambda {
  /** Construct id in the stack. */
  readonly id: string;
  /** Function name on the embedded default (the stack lets CloudFormation name deployed ones). */
  readonly functionName: string;
  /** Entry module, from the project root. */
  readonly entry: string;
  /** The `${...}` placeholder of the machines that holds this function's ARN. */
  readonly placeholder: `${string}FunctionArn`;
  readonly description: string;
  /** Lambda timeout; the machines' TimeoutSeconds on the task are set above it. */
  readonly timeoutSeconds: number;
  readonly needs: readonly TaskNeed[];
  /** The handler, for the embedded default. */
  load(): Promise<LambdaHandler>;
}

export const TASK_LAMBDAS = {
  enrichMember: {
    id: "EnrichMember",
    functionName: "org-flows-enrich-member",
    entry: "app/tasks/enrich-member.lambda.ts",
    placeholder: "EnrichMemberFunctionArn",
    description: "member-onboarding task: enrich a new member from GitHub, SAML and the company directory",
    timeoutSeconds: 60,
    needs: ["directory"],
    load: async () => (await import("./enrich-member.lambda.js")).handler as LambdaHandler,
  },
  applyTeamRules: {
    id: "ApplyTeamRules",
    functionName: "org-flows-apply-team-rules",
    entry: "app/tasks/apply-team-rules.lambda.ts",
    placeholder: "ApplyTeamRulesFunctionArn",
    description: "member-onboarding task: add an enriched member to the teams of the directory rules they match",
    timeoutSeconds: 60,
    needs: [],
    load: async () => (await import("./apply-team-rules.lambda.js")).handler as LambdaHandler,
  },
  syncMemberTeams: {
    id: "SyncMemberTeams",
    functionName: "org-flows-sync-member-teams",
    entry: "app/tasks/sync-member-teams.lambda.ts",
    placeholder: "SyncMemberTeamsFunctionArn",
    description: "team-sync and member-backfill task: add one member to the teams they miss (add-only)",
    timeoutSeconds: 60,
    needs: [],
    load: async () => (await import("./sync-member-teams.lambda.js")).handler as LambdaHandler,
  },
  priceRun: {
    id: "PriceRun",
    functionName: "org-flows-price-run",
    entry: "app/tasks/price-run.lambda.ts",
    placeholder: "PriceRunFunctionArn",
    description: "workflow-run-cost task: price every job of a workflow run attempt",
    timeoutSeconds: 120,
    needs: ["tableName", "tableRead", "rates"],
    load: async () => (await import("./price-run.lambda.js")).handler as LambdaHandler,
  },
  budgetAlerts: {
    id: "BudgetAlerts",
    functionName: "org-flows-budget-alerts",
    entry: "app/tasks/budget-alerts.lambda.ts",
    placeholder: "BudgetAlertsFunctionArn",
    description: "workflow-run-cost task: which budget alerts a recorded attempt's month-to-date warrants (reads it, writes nothing)",
    timeoutSeconds: 10,
    needs: ["computeOnly", "tableRead"],
    load: async () => (await import("./budget-alerts.lambda.js")).handler as LambdaHandler,
  },
  listRepositories: {
    id: "ListRepositories",
    functionName: "org-flows-list-repositories",
    entry: "app/tasks/list-repositories.lambda.ts",
    placeholder: "ListRepositoriesFunctionArn",
    description: "backfill task: one page of the installation's repositories",
    timeoutSeconds: 60,
    needs: [],
    load: async () => (await import("./list-repositories.lambda.js")).handler as LambdaHandler,
  },
  listRuns: {
    id: "ListRuns",
    functionName: "org-flows-list-runs",
    entry: "app/tasks/list-runs.lambda.ts",
    placeholder: "ListRunsFunctionArn",
    description: "backfill task: one page of a repository's completed workflow runs in a window",
    timeoutSeconds: 60,
    needs: [],
    load: async () => (await import("./list-runs.lambda.js")).handler as LambdaHandler,
  },
  listDeliveries: {
    id: "ListDeliveries",
    functionName: "org-flows-list-deliveries",
    entry: "app/tasks/list-deliveries.lambda.ts",
    placeholder: "ListDeliveriesFunctionArn",
    description: "redelivery task: the App's webhook deliveries after the cursor, and the guids to redeliver",
    timeoutSeconds: 120,
    needs: [],
    load: async () => (await import("./list-deliveries.lambda.js")).handler as LambdaHandler,
  },
  redeliver: {
    id: "Redeliver",
    functionName: "org-flows-redeliver",
    entry: "app/tasks/redeliver.lambda.ts",
    placeholder: "RedeliverFunctionArn",
    description: "redelivery task: ask GitHub to redeliver one failed webhook delivery",
    timeoutSeconds: 60,
    needs: [],
    load: async () => (await import("./redeliver.lambda.js")).handler as LambdaHandler,
  },
  listMembers: {
    id: "ListMembers",
    functionName: "org-flows-list-members",
    entry: "app/tasks/list-members.lambda.ts",
    placeholder: "ListMembersFunctionArn",
    description: "member backfill task: one page of the org's members, the onboarding config applied as for a joiner",
    timeoutSeconds: 60,
    needs: [],
    load: async () => (await import("./list-members.lambda.js")).handler as LambdaHandler,
  },
} as const satisfies Record<string, TaskLambda>;

export type TaskKey = keyof typeof TASK_LAMBDAS;
export type TaskPlaceholder = (typeof TASK_LAMBDAS)[TaskKey]["placeholder"];

export const TASK_LIST: readonly TaskLambda[] = Object.values(TASK_LAMBDAS);

export function taskByFunctionName(name: string): TaskLambda | undefined {
  return TASK_LIST.find((t) => t.functionName === name);
}
