import { MissingConfigurationError } from "../errors.js";
/** The two state machines, by the environment variable that holds each one's ARN. */
export const MACHINES = {
  memberOnboarding: { file: "member-onboarding.asl.json", name: "member-onboarding", env: "MEMBER_ONBOARDING_STATE_MACHINE_ARN" },
  workflowRunCost: { file: "workflow-run-cost.asl.json", name: "workflow-run-cost", env: "WORKFLOW_RUN_COST_STATE_MACHINE_ARN" },
  memberOffboarding: { file: "member-offboarding.asl.json", name: "member-offboarding", env: "MEMBER_OFFBOARDING_STATE_MACHINE_ARN" },
  // Started by `npm run sync-teams -- --apply`, never by the webhook.
  teamSync: { file: "team-sync.asl.json", name: "team-sync", env: "TEAM_SYNC_STATE_MACHINE_ARN", startedBy: "command" },
} as const;

export type MachineKey = keyof typeof MACHINES;

export function machineArn(key: MachineKey): string {
  const { env } = MACHINES[key];
  const arn = process.env[env]?.trim();
  if (!arn) throw new MissingConfigurationError(`${env} is not set: the app does not know which state machine to start`);
  return arn;
}
