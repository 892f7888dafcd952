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
  // States still open, innermost last: a Map or Parallel stays open while the states of its iterations run.
  const stack: Array<StateStep & { at: number; scheduled: number }> = [];
  const top = (): (StateStep & { at: number; scheduled: number }) | undefined => stack.at(-1);
  for (const ev of events) {
    const type = ev.type ?? "";
    const at = ev.timestamp ? ev.timestamp.getTime() : 0;
    const open = top();
    if (type.endsWith("StateEntered")) {
      const step = {
        state: ev.stateEnteredEventDetails?.name ?? "?",
        type: type.replace("StateEntered", ""),
        outcome: "running" as const,
        retries: 0,
        at,
        scheduled: 0,
      };
      steps.push(step);
      stack.push(step);
    } else if (type.endsWith("StateExited")) {
      const name = ev.stateExitedEventDetails?.name;
      const i = stack.findLastIndex((s) => s.state === name);
      const step = i >= 0 ? stack[i] : open;
      if (step) {
        step.outcome = step.outcome === "running" ? "ok" : step.outcome;
        step.ms = at - step.at;
        stack.splice(i >= 0 ? i : stack.length - 1, 1);
      }
    } else if ((type === "TaskFailed" || type === "TaskTimedOut" || type.endsWith("StateFailed")) && open) {
      const d =
        ev.taskFailedEventDetails ??
        ev.taskTimedOutEventDetails ??
        (ev as { stateFailedEventDetails?: { error?: string; cause?: string } }).stateFailedEventDetails;
      open.outcome = "failed";
      open.error = [d?.error, d?.cause].filter(Boolean).join(": ").slice(0, 200);
      open.ms = at - open.at;
    } else if ((type === "ExecutionFailed" || type === "ExecutionTimedOut" || type === "ExecutionAborted") && open && open.outcome === "running") {
      // A Fail state (or an execution stopped inside a state) ends with the execution's own error.
      const d = ev.executionFailedEventDetails ?? ev.executionTimedOutEventDetails ?? ev.executionAbortedEventDetails;
      open.outcome = "failed";
      open.error = [d?.error, d?.cause].filter(Boolean).join(": ").slice(0, 200) || type;
      open.ms = at - open.at;
    } else if (type === "ExecutionRedriven") {
      // The redrive goes on at the state that did not succeed: what was open before it ended with the execution.
      stack.length = 0;
    } else if (type === "TaskScheduled" && open) {
      open.scheduled += 1;
      if (open.scheduled > 1) {
        open.retries += 1;
        open.outcome = "running";
      }
    }
  }
  for (const s of steps) {
    delete (s as Partial<StateStep & { at: number; scheduled: number }>).at;
    delete (s as Partial<StateStep & { at: number; scheduled: number }>).scheduled;
  }
  return steps;
}
