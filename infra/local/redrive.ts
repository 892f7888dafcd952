// RedriveExecution on the embedded endpoint, with Step Functions' rules (the API reference's RedriveExecution and
// DescribeExecution.redriveStatusReason). Pure: the endpoint calls these and keeps the I/O.
//
// aws-local-stepfunctions can only start a machine at its StartAt, and a copy of the definition that starts at the
// failed state leaves the states before it unreachable, which the validator refuses. So a redrive runs the machine as
// written behind one Choice state that sends the execution straight to the failed state with the input that state was
// given: every state stays reachable, the machine's own states and transitions are unchanged, and the Choice's events
// are left out of the history.
import type { StateMachineDefinition } from "aws-local-stepfunctions";
import { isUnsuccessful } from "../../app/executions/status.js";
import type { ExecutionRecord, HistoryEventRecord } from "./execution-store.js";

/** The entry state of a redrive run: a name no machine of the project uses (checked when the definition is built). */
export const REDRIVE_ENTRY = "OrgFlowsRedriveEntry";

/** Step Functions keeps an unsuccessful execution redrivable for 14 days after it stopped. */
export const REDRIVABLE_DAYS = 14;

/** An execution that reached the history limit (25,000 events) cannot be redriven. */
export const HISTORY_EVENT_LIMIT = 25_000;

export interface RedrivePoint {
  /** the top-level state that did not exit */
  state: string;
  /** the input that state was given, as JSON text */
  input: string;
}

/**
 * Why Step Functions would refuse to redrive `rec` (its redriveStatusReason), or undefined when it can be redriven.
 * `nowSeconds`: the current time in epoch seconds.
 */
export function notRedrivableReason(rec: ExecutionRecord, type: "STANDARD" | "EXPRESS", nowSeconds: number): string | undefined {
  if (type === "EXPRESS") return "Express executions cannot be redriven";
  if (!isUnsuccessful(rec.status)) return `Execution is ${rec.status} and cannot be redriven`;
  if (rec.events.length >= HISTORY_EVENT_LIMIT || rec.events.some((e) => isHistoryLimitFailure(e))) return "Execution history event limit exceeded";
  const stopped = rec.stopDate ?? rec.startDate;
  if (nowSeconds - stopped > REDRIVABLE_DAYS * 24 * 3600) return "Execution redrivable period exceeded";
  return undefined;
}

function isHistoryLimitFailure(e: HistoryEventRecord): boolean {
  if (e.type !== "ExecutionFailed") return false;
  const d = e.executionFailedEventDetails as { error?: string; cause?: string } | undefined;
  return d?.error === "States.Runtime" && /history/i.test(d.cause ?? "") && /limit/i.test(d.cause ?? "");
}

/**
 * Where a redrive goes on: the last top-level state entered with no exit after it (AWS's rule: a `<type>Entered`
 * with no matching `<type>Exited`), with the input it was given. Nested states (Map iterations, Parallel branches)
 * are run again inside their top-level state.
 */
export function redrivePoint(definition: StateMachineDefinition, events: readonly HistoryEventRecord[]): RedrivePoint | undefined {
  const topLevel = definition.States ?? {};
  const open = new Map<string, string>();
  let lastEntered: string | undefined;
  for (const e of events) {
    const entered = e.stateEnteredEventDetails as { name?: string; input?: string } | undefined;
    const exited = e.stateExitedEventDetails as { name?: string } | undefined;
    if (entered?.name && entered.name in topLevel) {
      open.set(entered.name, entered.input ?? "{}");
      lastEntered = entered.name;
    }
    if (exited?.name && exited.name in topLevel) open.delete(exited.name);
  }
  if (lastEntered && open.has(lastEntered)) return { state: lastEntered, input: open.get(lastEntered)! };
  // Stopped before the first state was entered (aborted at once): the redrive starts the machine from its StartAt.
  const started = events.find((e) => e.type === "ExecutionStarted")?.executionStartedEventDetails as { input?: string } | undefined;
  if (events.length > 0 && !events.some((e) => e.stateEnteredEventDetails) && started) return { state: definition.StartAt, input: started.input ?? "{}" };
  return undefined;
}

/**
 * The definition a redrive from `state` runs: the machine unchanged, entered through a Choice that always goes to
 * `state` (its Default is the machine's own StartAt, so nothing becomes unreachable).
 */
export function redriveDefinition(definition: StateMachineDefinition, state: string): StateMachineDefinition {
  const states = definition.States ?? {};
  if (REDRIVE_ENTRY in states) throw new Error(`the machine has a state named ${REDRIVE_ENTRY}`);
  if (!(state in states)) throw new Error(`the machine has no top-level state ${state}`);
  const entry = {
    Type: "Choice",
    Comment: "redrive: go on at the state that did not succeed",
    Choices: [{ Variable: "$$.Execution.Name", IsPresent: true, Next: state }],
    Default: definition.StartAt,
  };
  return { ...definition, StartAt: REDRIVE_ENTRY, States: { [REDRIVE_ENTRY]: entry, ...states } } as StateMachineDefinition;
}

/** The events of the redrive's entry Choice: they are the engine's, not the machine's, and stay out of the history. */
export function isRedriveEntryEvent(e: HistoryEventRecord): boolean {
  const entered = e.stateEnteredEventDetails as { name?: string } | undefined;
  const exited = e.stateExitedEventDetails as { name?: string } | undefined;
  return entered?.name === REDRIVE_ENTRY || exited?.name === REDRIVE_ENTRY;
}

/** The ExecutionRedriven event AWS adds to the history when a redrive starts. */
export function redrivenEvent(rec: ExecutionRecord, nowSeconds: number): HistoryEventRecord {
  return {
    id: rec.events.length + 1,
    previousEventId: rec.events.length,
    timestamp: nowSeconds,
    type: "ExecutionRedriven",
    executionRedrivenEventDetails: { redriveCount: rec.redriveCount ?? 0 },
  };
}
