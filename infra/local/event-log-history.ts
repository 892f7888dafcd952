// The execution history as Step Functions records it (the API reference's HistoryEvent types), built from the events
// aws-local-stepfunctions reports. One model, so that the embedded history has the events AWS has, in AWS's order,
// and its length is the count AWS holds against the 25,000-event quota:
//   Task:      TaskStateEntered, TaskScheduled, TaskStarted (+ TaskSubmitted for .sync), TaskSucceeded | TaskFailed |
//              TaskTimedOut, TaskStateExited; a retry adds TaskScheduled, TaskStarted (+ TaskSubmitted) again.
//   Map:       MapStateEntered, MapStateStarted, MapIterationStarted + Succeeded/Failed per item, MapStateSucceeded |
//              MapStateFailed, MapStateExited (Parallel likewise, without per-branch events).
//   Pass, Wait, Choice, Succeed: <Type>StateEntered, <Type>StateExited; Fail: FailStateEntered, then ExecutionFailed.
//   The execution: ExecutionStarted, ExecutionSucceeded | ExecutionFailed | ExecutionAborted | ExecutionTimedOut
//   (ExecutionRedriven is added by the redrive itself).

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

/** A history event before it is numbered: the endpoint gives it its id and previousEventId as it appends it. */
export interface UnnumberedEvent {
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

const str = (v: unknown): string => (typeof v === "string" ? v : JSON.stringify(v ?? null));
/** AWS leaves `cause` out when there is none (a task timeout): so does the local history. */
const cause = (v: unknown): { cause?: string } => (v === undefined ? {} : { cause: str(v) });

/** `.sync` and `.sync:2` integrations wait for a job: AWS records its submission (TaskSubmitted) as well. */
export function isSyncResource(resource: string): boolean {
  return /\.sync(:\d+)?$/.test(resource);
}

/** `arn:aws:states:::dynamodb:putItem` -> `dynamodb`; a Lambda function ARN -> `lambda` (the resourceType AWS shows). */
function resourceType(resource: string): string {
  if (resource.startsWith("arn:aws:lambda:")) return "lambda";
  const parts = resource.replace(/^arn:aws:states:::(aws-sdk:)?/, "").split(":");
  return parts[0] ?? "";
}

/** The Step Functions history of one execution run, fed the engine's events in order. Keeps what ordering needs. */
export class HistoryModel {
  /** by state name: how many of its runs were caught and have not exited yet (their exit is not a success) */
  private readonly caught = new Map<string, number>();

  constructor(private readonly resources: Record<string, string>) {}

  /** The history events one engine event stands for, in AWS's order (none for the engine's own bookkeeping). */
  convert(ev: LocalEvent): UnnumberedEvent[] {
    const timestamp = ev.timestamp / 1000;
    const stateType = ev.state?.type ?? "";
    const name = ev.state?.name ?? "";
    const resource = this.resources[name] ?? "";
    const task = { resource, resourceType: resourceType(resource) };
    const at = (type: string, details: Record<string, unknown> = {}): UnnumberedEvent => ({ timestamp, type, ...details });
    // Every attempt of a Task: scheduled, started, and submitted when the integration waits for a job.
    const attempt = (): UnnumberedEvent[] => [
      at("TaskScheduled", { taskScheduledEventDetails: { ...task, parameters: str(ev.state?.input) } }),
      at("TaskStarted", { taskStartedEventDetails: { resource, resourceType: task.resourceType } }),
      ...(isSyncResource(resource) ? [at("TaskSubmitted", { taskSubmittedEventDetails: task })] : []),
    ];
    switch (ev.type) {
      case "ExecutionStarted":
        return [at("ExecutionStarted", { executionStartedEventDetails: { input: str(ev.input) } })];
      case "ExecutionSucceeded":
        return [at("ExecutionSucceeded", { executionSucceededEventDetails: { output: str(ev.output) } })];
      case "ExecutionFailed":
        return [at("ExecutionFailed", { executionFailedEventDetails: { error: ev.Error, ...cause(ev.Cause) } })];
      case "ExecutionAborted":
        return [at("ExecutionAborted", { executionAbortedEventDetails: {} })];
      case "ExecutionTimeout":
        return [at("ExecutionTimedOut", { executionTimedOutEventDetails: {} })];
      case "StateEntered": {
        const entered = at(`${stateType}StateEntered`, { stateEnteredEventDetails: { name, input: str(ev.state?.input) } });
        if (stateType === "Task") return [entered, ...attempt()];
        if (stateType === "Map" || stateType === "Parallel") return [entered, at(`${stateType}StateStarted`)];
        return [entered];
      }
      case "StateExited": {
        const exited = at(`${stateType}StateExited`, { stateExitedEventDetails: { name, output: str(ev.state?.output) } });
        const caught = this.caught.get(name) ?? 0;
        if (caught > 0) {
          // Caught: the failure was recorded already; the state exits without a success.
          this.caught.set(name, caught - 1);
          return [exited];
        }
        if (stateType === "Task") return [at("TaskSucceeded", { taskSucceededEventDetails: { ...task, output: str(ev.state?.output) } }), exited];
        if (stateType === "Map" || stateType === "Parallel") return [at(`${stateType}StateSucceeded`), exited];
        return [exited];
      }
      case "StateFailed":
        if (stateType === "Task") {
          if (ev.Error === "States.Timeout") return [at("TaskTimedOut", { taskTimedOutEventDetails: { ...task, error: ev.Error, ...cause(ev.Cause) } })];
          return [at("TaskFailed", { taskFailedEventDetails: { ...task, error: ev.Error, ...cause(ev.Cause) } })];
        }
        if (stateType === "Map" || stateType === "Parallel") {
          return [at(`${stateType}StateFailed`, { stateFailedEventDetails: { name, error: ev.Error, ...cause(ev.Cause) } })];
        }
        // Pass, Wait, Choice, Fail: AWS has no event for it; the ExecutionFailed that follows carries the error.
        return [];
      case "StateRetried":
        return stateType === "Task" ? attempt() : [];
      case "StateCaught":
        this.caught.set(name, (this.caught.get(name) ?? 0) + 1);
        return [];
      case "MapIterationStarted":
      case "MapIterationSucceeded":
      case "MapIterationFailed": {
        const key = `${ev.type[0]!.toLowerCase()}${ev.type.slice(1)}EventDetails`;
        return [at(ev.type, { [key]: { name: ev.parentState?.name ?? "", index: ev.index ?? 0 } })];
      }
      default:
        return [];
    }
  }
}
