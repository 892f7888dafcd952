import type { HistoryEvent } from "@aws-sdk/client-sfn";

export interface StateStep {
  state: string;
  type: string;
  outcome: "ok" | "failed" | "running";
  /** How many times Retry ran the state again. */
  retries: number;
  ms?: number;
  error?: string;
}

/** A history as one row per state visited, the way a person reads it: entered -> exited/failed, with retries. Pure.
 * Every attempt of a Task is a TaskScheduled event (on AWS and on the embedded endpoint): all but the first are retries. */
export function stepsFromHistory(events: HistoryEvent[]): StateStep[] {
  const steps: StateStep[] = [];
  let open: (StateStep & { at: number }) | undefined;
  let scheduled = 0;
  for (const ev of events) {
    const type = ev.type ?? "";
    const at = ev.timestamp ? ev.timestamp.getTime() : 0;
    if (type.endsWith("StateEntered")) {
      open = { state: ev.stateEnteredEventDetails?.name ?? "?", type: type.replace("StateEntered", ""), outcome: "running", retries: 0, at };
      scheduled = 0;
      steps.push(open);
    } else if (type.endsWith("StateExited") && open) {
      open.outcome = open.outcome === "running" ? "ok" : open.outcome;
      open.ms = at - open.at;
    } else if ((type === "TaskFailed" || type.endsWith("StateFailed")) && open) {
      const d = ev.taskFailedEventDetails ?? (ev as { stateFailedEventDetails?: { error?: string; cause?: string } }).stateFailedEventDetails;
      open.outcome = "failed";
      open.error = [d?.error, d?.cause].filter(Boolean).join(": ").slice(0, 200);
      open.ms = at - open.at;
    } else if ((type === "ExecutionFailed" || type === "ExecutionTimedOut" || type === "ExecutionAborted") && open && open.outcome === "running") {
      // A Fail state (or an execution stopped inside a state) ends with the execution's own error.
      const d = ev.executionFailedEventDetails ?? ev.executionTimedOutEventDetails ?? ev.executionAbortedEventDetails;
      open.outcome = "failed";
      open.error = [d?.error, d?.cause].filter(Boolean).join(": ").slice(0, 200) || type;
      open.ms = at - open.at;
    } else if (type === "TaskScheduled" && open) {
      scheduled += 1;
      if (scheduled > 1) {
        open.retries += 1;
        open.outcome = "running";
      }
    }
  }
  for (const s of steps) delete (s as Partial<StateStep & { at: number }>).at;
  return steps;
}
