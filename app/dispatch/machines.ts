import { MissingConfigurationError } from "../errors.js";
/** The state machines, by the environment variable that holds each one's ARN. */
export const MACHINES = {
  memberOnboarding: { file: "member-onboarding.asl.json", name: "member-onboarding", env: "MEMBER_ONBOARDING_STATE_MACHINE_ARN" },
  workflowRunCost: { file: "workflow-run-cost.asl.json", name: "workflow-run-cost", env: "WORKFLOW_RUN_COST_STATE_MACHINE_ARN" },
  memberOffboarding: { file: "member-offboarding.asl.json", name: "member-offboarding", env: "MEMBER_OFFBOARDING_STATE_MACHINE_ARN" },
  // Started by `org-flows sync-teams --apply`, never by the webhook.
  teamSync: { file: "team-sync.asl.json", name: "team-sync", env: "TEAM_SYNC_STATE_MACHINE_ARN" },
  // Backfill of an org's workflow runs: org parent -> one child per page of repositories -> one child per
  // repository -> one child per page of runs -> one workflow-run-cost child per attempt (the webhook's machine,
  // under the webhook's execution name).
  backfill: { file: "backfill.asl.json", name: "backfill", env: "BACKFILL_STATE_MACHINE_ARN" },
  backfillRepositories: { file: "backfill-repositories.asl.json", name: "backfill-repositories", env: "BACKFILL_REPOSITORIES_STATE_MACHINE_ARN" },
  backfillRepository: { file: "backfill-repository.asl.json", name: "backfill-repository", env: "BACKFILL_REPOSITORY_STATE_MACHINE_ARN" },
  backfillPage: { file: "backfill-page.asl.json", name: "backfill-page", env: "BACKFILL_PAGE_STATE_MACHINE_ARN" },
  // Backfill of an org's members: one child per page of members -> one member-onboarding child per member not yet
  // stored; one notification for all.
  memberBackfill: { file: "member-backfill.asl.json", name: "member-backfill", env: "MEMBER_BACKFILL_STATE_MACHINE_ARN" },
  memberBackfillPage: { file: "member-backfill-page.asl.json", name: "member-backfill-page", env: "MEMBER_BACKFILL_PAGE_STATE_MACHINE_ARN" },
  // The failed-delivery redelivery sweep (on a schedule, and `org-flows redeliver`).
  redelivery: { file: "redelivery.asl.json", name: "redelivery", env: "REDELIVERY_STATE_MACHINE_ARN" },
} as const;

/** The machines the webhook starts (it needs StartExecution on these only). */
export const WEBHOOK_MACHINES = ["memberOnboarding", "workflowRunCost", "memberOffboarding"] as const satisfies readonly MachineKey[];

/** The `${...}` placeholder a machine's ARN takes in another machine's definition (a child execution). */
export type MachinePlaceholder = `${Capitalize<MachineKey>}StateMachineArn`;
export function machinePlaceholder(key: MachineKey): MachinePlaceholder {
  return `${key[0]!.toUpperCase()}${key.slice(1)}StateMachineArn` as MachinePlaceholder;
}

export type MachineKey = keyof typeof MACHINES;

export function machineArn(key: MachineKey): string {
  const { env } = MACHINES[key];
  const arn = process.env[env]?.trim();
  if (!arn) throw new MissingConfigurationError(`${env} is not set: the app does not know which state machine to start`);
  return arn;
}
