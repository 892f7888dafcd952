// Starting and following a redelivery sweep through the Step Functions API (AWS or the embedded endpoint), for the
// redeliver command and the schedule inside `org-flows start`. One sweep at a time: Step Functions is asked which
// sweep runs, no job state is kept by hand.
import type { SFNClient } from "@aws-sdk/client-sfn";
import { executionState, startUnlessRunning, type ExecutionState, type SingleStart } from "../executions/single.js";
import { summarise, sweepOutputSchema, type SweepSummary } from "./contract.js";

/** `redeliver-<yymmddHHMMSSmmm>`: two starts in the same millisecond are one sweep. */
export function sweepName(now: Date): string {
  return `redeliver-${now
    .toISOString()
    .replace(/[-:T.]/g, "")
    .slice(2, 17)}`;
}

export type StartedSweep = SingleStart;

/** One sweep at a time: any running sweep is the one. */
export function startSweep(sfn: SFNClient, machineArn: string, now = new Date()): Promise<StartedSweep> {
  return startUnlessRunning(sfn, machineArn, { name: sweepName(now), input: "{}", isSame: () => true });
}

export interface SweepState extends ExecutionState {
  summary: SweepSummary | undefined;
}

export async function sweepState(sfn: SFNClient, executionArn: string): Promise<SweepState> {
  const { result, ...state } = await executionState(sfn, executionArn, (out) => sweepOutputSchema.safeParse(out));
  return { ...state, summary: result?.success ? summarise(result.data) : undefined };
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
