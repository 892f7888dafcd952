import type { HistoryEventRecord } from "./execution-store.js";

/** The subset of aws-local-stepfunctions' event log that the history needs (its own types are not exported). */
export interface LocalEvent {
  type: string;
  timestamp: number;
  input?: unknown;
  output?: unknown;
  Error?: string;
  Cause?: unknown;
  index?: number;
  state?: { name: string; type: string; input?: unknown; output?: unknown };
  parentState?: { name: string; type: string };
  retry?: { attempt: number };
}

const str = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v ?? null));
/** AWS leaves `cause` out when there is none (a task timeout): so does the local history. */
const cause = (v: unknown): { cause?: string } => (v === undefined ? {} : { cause: str(v) });

/**
 * Converts local events to the Step Functions API's HistoryEvent shape (type names and `...EventDetails` fields),
 * so that the executions command reads the same fields from AWS and from the embedded endpoint.
 */
export function toHistoryEvents(ev: LocalEvent, nextId: number, resources: Record<string, string>): HistoryEventRecord[] {
  const first = toHistoryEvent(ev, nextId, resources);
  if (!first) return [];
  // AWS schedules every Task attempt, the first included: mirror it so readers count retries the same way.
  if (ev.type === "StateEntered" && ev.state?.type === "Task") {
    return [first, toHistoryEvent({ ...ev, type: "TaskScheduled" }, nextId + 1, resources)!];
  }
  return [first];
}

function toHistoryEvent(ev: LocalEvent, id: number, resources: Record<string, string>): HistoryEventRecord | null {
  const base = { id, previousEventId: id - 1, timestamp: ev.timestamp / 1000 };
  const stateType = ev.state?.type ?? "";
  const name = ev.state?.name ?? "";
  switch (ev.type) {
    case "ExecutionStarted":
      return { ...base, type: "ExecutionStarted", executionStartedEventDetails: { input: str(ev.input) } };
    case "ExecutionSucceeded":
      return { ...base, type: "ExecutionSucceeded", executionSucceededEventDetails: { output: str(ev.output) } };
    case "ExecutionFailed":
      return { ...base, type: "ExecutionFailed", executionFailedEventDetails: { error: ev.Error, ...cause(ev.Cause) } };
    case "ExecutionAborted":
      return { ...base, type: "ExecutionAborted", executionAbortedEventDetails: {} };
    case "ExecutionTimeout":
      return { ...base, type: "ExecutionTimedOut", executionTimedOutEventDetails: {} };
    case "StateEntered":
      return { ...base, type: `${stateType}StateEntered`, stateEnteredEventDetails: { name, input: str(ev.state?.input) } };
    case "TaskScheduled":
      return { ...base, type: "TaskScheduled", taskScheduledEventDetails: { resource: resources[name] ?? "" } };
    case "StateExited":
      return { ...base, type: `${stateType}StateExited`, stateExitedEventDetails: { name, output: str(ev.state?.output) } };
    case "StateFailed":
      if (stateType === "Task") {
        const resource = resources[name] ?? "";
        return {
          ...base,
          type: "TaskFailed",
          taskFailedEventDetails: { resource, resourceType: resource.split(":").slice(-2, -1)[0] ?? "", error: ev.Error, ...cause(ev.Cause) },
        };
      }
      return { ...base, type: `${stateType}StateFailed`, stateFailedEventDetails: { name, error: ev.Error, ...cause(ev.Cause) } };
    case "StateRetried":
      // AWS shows a retry as the task being scheduled again.
      return { ...base, type: "TaskScheduled", taskScheduledEventDetails: { resource: resources[name] ?? "" } };
    case "MapIterationStarted":
    case "MapIterationSucceeded":
    case "MapIterationFailed": {
      const key = `${ev.type[0]!.toLowerCase()}${ev.type.slice(1)}EventDetails`;
      return { ...base, type: ev.type, [key]: { name: ev.parentState?.name ?? "", index: ev.index ?? 0 } };
    }
    default:
      return null;
  }
}
