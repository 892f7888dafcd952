// Starting and following a redelivery sweep through the Step Functions API (AWS or the embedded endpoint), for the
// redeliver command and the schedule inside `org-flows start`. One sweep at a time: Step Functions is asked which
// sweep runs, no job state is kept by hand.
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  StartExecutionCommand,
  type ExecutionStatus,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import { summarise, sweepOutputSchema, type SweepSummary } from "./contract.js";

/** `redeliver-<yymmddHHMMSSmmm>`: two starts in the same millisecond are one sweep. */
export function sweepName(now: Date): string {
  return `redeliver-${now
    .toISOString()
    .replace(/[-:T.]/g, "")
    .slice(2, 17)}`;
}

const executionArnOf = (machineArn: string, name: string): string => `${machineArn.replace(":stateMachine:", ":execution:")}:${name}`;

export interface StartedSweep {
  name: string;
  executionArn: string;
  /** false: a sweep was running already, and this is that one */
  started: boolean;
}

export async function startSweep(sfn: SFNClient, machineArn: string, now = new Date()): Promise<StartedSweep> {
  const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: "RUNNING", maxResults: 1 }));
  const hit = running.executions?.[0];
  if (hit?.name && hit.executionArn) return { name: hit.name, executionArn: hit.executionArn, started: false };
  const name = sweepName(now);
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name, input: "{}" }));
    return { name, executionArn: out.executionArn ?? executionArnOf(machineArn, name), started: true };
  } catch (err) {
    if (err instanceof ExecutionAlreadyExists) return { name, executionArn: executionArnOf(machineArn, name), started: false };
    throw err;
  }
}

export interface SweepState {
  status: ExecutionStatus | "UNKNOWN";
  summary: SweepSummary | undefined;
  error?: string;
  cause?: string;
}

export async function sweepState(sfn: SFNClient, executionArn: string): Promise<SweepState> {
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const parsed = d.output ? sweepOutputSchema.safeParse(JSON.parse(d.output)) : undefined;
  return {
    status: d.status ?? "UNKNOWN",
    summary: parsed?.success ? summarise(parsed.data) : undefined,
    ...(d.error ? { error: d.error } : {}),
    ...(d.cause ? { cause: d.cause } : {}),
  };
}

/**
 * The embedded default's counterpart of the stack's EventBridge schedule: a sweep every `minutes` while the server
 * runs. A sweep that cannot start is logged and tried again at the next tick (the cursor lives in the table).
 */
export function scheduleSweeps(opts: {
  minutes: number;
  sfn: SFNClient;
  machineArn: string;
  log: { info(msg: string): void; warn(msg: string): void };
}): () => void {
  const timer = setInterval(() => {
    startSweep(opts.sfn, opts.machineArn).then(
      (s) => opts.log.info(s.started ? `redelivery sweep ${s.name} started` : `redelivery sweep ${s.name} still running`),
      (err: unknown) => opts.log.warn(`redelivery sweep could not start: ${err instanceof Error ? err.message : String(err)}`),
    );
  }, opts.minutes * 60_000);
  timer.unref();
  return () => clearInterval(timer);
}
