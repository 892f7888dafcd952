/**
 * The statuses an execution ends in without success: what Step Functions can redrive (Standard workflows) and what
 * the failure notification reports. One list for the commands, the stack's EventBridge rule and the embedded endpoint.
 */
export const UNSUCCESSFUL_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"] as const;

export function isUnsuccessful(status: string | undefined): boolean {
  return (UNSUCCESSFUL_STATUSES as readonly string[]).includes(status ?? "");
}
