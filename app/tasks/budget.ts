// A task's outbound calls share one time budget, well under the task Lambda's timeout in infra/stack.ts
// (enrich-member 60 s, price-run 120 s): a slow GitHub or directory then ends in a retryable TransientError
// that the state machine retries, never in a Lambda killed at its timeout.
export const TASK_BUDGET_MS = {
  enrichMember: 45_000,
  priceRun: 90_000,
  applyTeamRules: 45_000,
  syncMemberTeams: 45_000,
  /** the backfill's listing tasks: one or two GitHub calls each */
  listing: 45_000,
  /** the redelivery sweep's listing: every page of deliveries after the cursor (3 days on a first sweep) */
  deliveries: 100_000,
} as const;
