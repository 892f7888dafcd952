// Billed Step Functions Standard transitions of one execution, counted from its history the way AWS bills them:
// each state entered (inside Map iterations too) plus each retry of a Task.
// https://aws.amazon.com/step-functions/pricing/ ("a state transition ... each time a step of your workflow is
// executed", retries included).
import type { HistoryEvent } from "@aws-sdk/client-sfn";

export interface BilledCount {
  entered: number;
  retries: number;
  transitions: number;
  /** states entered, in order, for the failure message of a test */
  path: string[];
}

export function billedTransitions(events: HistoryEvent[]): BilledCount {
  const entered = events.filter((e) => e.type?.endsWith("StateEntered"));
  const taskEntries = entered.filter((e) => e.type === "TaskStateEntered").length;
  // A Task entered once is scheduled once; every further schedule is a retry.
  const scheduled = events.filter((e) => e.type === "TaskScheduled").length;
  const retries = Math.max(0, scheduled - taskEntries);
  return { entered: entered.length, retries, transitions: entered.length + retries, path: entered.map((e) => e.stateEnteredEventDetails?.name ?? "?") };
}
