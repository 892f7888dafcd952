// One execution of a kind at a time, through the Step Functions API (AWS or the embedded endpoint): Step Functions is
// asked which executions run, no job state is kept by hand. Used by the backfills and the redelivery sweep.
import { executionArnOf } from "./sfn-client.js";
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  StartExecutionCommand,
  type ExecutionStatus,
  type SFNClient,
} from "@aws-sdk/client-sfn";

export interface SingleStart {
  name: string;
  executionArn: string;
  /** false: one of its kind was running already, and this is that one */
  started: boolean;
}

/** The first RUNNING execution of the machine whose name `isSame` accepts (ListExecutions, every page). */
export async function runningOf(sfn: SFNClient, machineArn: string, isSame: (name: string) => boolean): Promise<Omit<SingleStart, "started"> | undefined> {
  let nextToken: string | undefined;
  do {
    const res = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: "RUNNING", maxResults: 1000, nextToken }));
    const hit = (res.executions ?? []).find((e) => e.name && isSame(e.name));
    if (hit?.name && hit.executionArn) return { name: hit.name, executionArn: hit.executionArn };
    nextToken = res.nextToken;
  } while (nextToken);
  return undefined;
}

/**
 * Starts `name` with `input` unless an execution `isSame` accepts is running; a start refused because `name` exists
 * (another command started it within the same stamp) reports that one.
 */
export async function startUnlessRunning(
  sfn: SFNClient,
  machineArn: string,
  opts: { name: string; input: string; isSame: (name: string) => boolean },
): Promise<SingleStart> {
  const running = await runningOf(sfn, machineArn, opts.isSame);
  if (running) return { ...running, started: false };
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name: opts.name, input: opts.input }));
    return { name: opts.name, executionArn: out.executionArn ?? executionArnOf(machineArn, opts.name), started: true };
  } catch (err) {
    if (err instanceof ExecutionAlreadyExists) return { name: opts.name, executionArn: executionArnOf(machineArn, opts.name), started: false };
    throw err;
  }
}

export interface ExecutionState {
  status: ExecutionStatus | "UNKNOWN";
  error?: string;
  cause?: string;
}

/** Status, error and cause of an execution, and what `read` makes of its output (undefined while it has none). */
export async function executionState<T>(
  sfn: SFNClient,
  executionArn: string,
  read: (output: unknown) => T,
): Promise<ExecutionState & { result: T | undefined }> {
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  return {
    status: d.status ?? "UNKNOWN",
    result: d.output ? read(JSON.parse(d.output)) : undefined,
    ...(d.error ? { error: d.error } : {}),
    ...(d.cause ? { cause: d.cause } : {}),
  };
}
