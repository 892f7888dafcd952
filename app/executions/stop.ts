// `executions stop NAME`: Step Functions' StopExecution (AWS or the embedded endpoint); the execution ends ABORTED
// and can be redriven later. And the lookup of an execution by name across the app's machines.
import { executionArnOf } from "./sfn-client.js";
import { DescribeExecutionCommand, ExecutionDoesNotExist, StopExecutionCommand, type SFNClient } from "@aws-sdk/client-sfn";

export interface FoundExecution {
  machine: string;
  name: string;
  executionArn: string;
  status: string;
}

/** The execution named `target` (a name, or an ARN) in one of `machines`, or undefined. */
export async function findExecution(sfn: SFNClient, machines: Array<{ name: string; arn: string }>, target: string): Promise<FoundExecution | undefined> {
  const candidates = target.startsWith("arn:")
    ? [{ machine: target.split(":").at(-2) ?? "", executionArn: target }]
    : machines.map((m) => ({ machine: m.name, executionArn: executionArnOf(m.arn, target) }));
  for (const c of candidates) {
    try {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn: c.executionArn }));
      return { ...c, name: d.name ?? target, status: d.status ?? "UNKNOWN" };
    } catch (err) {
      if (!(err instanceof ExecutionDoesNotExist)) throw err;
    }
  }
  return undefined;
}

export interface EndState {
  status: string;
  error?: string;
  cause?: string;
}

/** Follows an execution until it is no longer RUNNING (or PENDING_REDRIVE). */
export async function waitForEnd(sfn: SFNClient, executionArn: string, pollMs = 500): Promise<EndState> {
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== "RUNNING" && d.status !== "PENDING_REDRIVE")
      return { status: d.status ?? "UNKNOWN", ...(d.error ? { error: d.error } : {}), ...(d.cause ? { cause: d.cause } : {}) };
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** The cause recorded on a stopped execution (AWS shows it in the console and in DescribeExecution). */
export const STOP_CAUSE = "stopped with npx org-flows executions stop";

/**
 * Stops a RUNNING execution; anything else is left as it is (`stopped: false`, with its status). `wait`: follow it
 * until it has ended (on AWS a stop takes effect within moments, not at once).
 */
export async function stopExecution(sfn: SFNClient, executionArn: string, wait = false): Promise<{ stopped: boolean } & EndState> {
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  if (d.status !== "RUNNING") return { stopped: false, status: d.status ?? "UNKNOWN" };
  await sfn.send(new StopExecutionCommand({ executionArn, cause: STOP_CAUSE }));
  if (!wait) return { stopped: true, status: (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status ?? "UNKNOWN" };
  return { stopped: true, ...(await waitForEnd(sfn, executionArn)) };
}
