import type { HistoryEvent } from "@aws-sdk/client-sfn";

export interface StateStep {
  state: string;
  type: string;
  outcome: "ok" | "failed" | "retried" | "running";
  ms?: number;
  error?: string;
}

/** A history as one row per state visited, the way a person reads it: entered -> exited/failed, with retries. Pure. */
export function stepsFromHistory(events: HistoryEvent[]): StateStep[] {
  const steps: StateStep[] = [];
  let open: (StateStep & { at: number }) | undefined;
  for (const ev of events) {
    const type = ev.type ?? "";
    const at = ev.timestamp ? ev.timestamp.getTime() : 0;
    if (type.endsWith("StateEntered")) {
      open = { state: ev.stateEnteredEventDetails?.name ?? "?", type: type.replace("StateEntered", ""), outcome: "running", at };
      steps.push(open);
    } else if (type.endsWith("StateExited") && open) {
      open.outcome = open.outcome === "running" ? "ok" : open.outcome;
      open.ms = at - open.at;
    } else if ((type === "TaskFailed" || type.endsWith("StateFailed")) && open) {
      const d = ev.taskFailedEventDetails ?? (ev as { stateFailedEventDetails?: { error?: string; cause?: string } }).stateFailedEventDetails;
      open.outcome = "failed";
      open.error = [d?.error, d?.cause].filter(Boolean).join(": ").slice(0, 200);
      open.ms = at - open.at;
    } else if (type === "TaskScheduled" && open && open.outcome === "failed") {
      // A retry after a failure: the state is attempted again.
      open.outcome = "retried";
    }
  }
  for (const s of steps) delete (s as Partial<StateStep & { at: number }>).at;
  return steps;
}
