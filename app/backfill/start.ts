// Starting and following a backfill through the Step Functions API (AWS or the embedded endpoint). One backfill per
// org at a time: Step Functions itself is asked which executions are running, no job state is kept by hand.
import { ListExecutionsCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { executionState, runningOf, startUnlessRunning, type ExecutionState, type SingleStart } from "../executions/single.js";
import { backfillInputSchema, totalsSchema, ZERO_TOTALS, type BackfillInput, type Totals } from "./contract.js";

/** `bf-<org>-<yymmddHHMMSS>`: at most 55 characters, so that children (`-r<repo id>-<page>-<redrive count>`) stay within 80. */
export function backfillExecutionName(org: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(2, 14);
  return `bf-${org.toLowerCase()}-${stamp}`;
}

function isBackfillOf(name: string, org: string): boolean {
  const prefix = `bf-${org.toLowerCase()}-`;
  return name.startsWith(prefix) && /^\d{12}$/.test(name.slice(prefix.length));
}

/** The org's running backfill, if any. */
export function runningBackfill(sfn: SFNClient, machineArn: string, org: string): Promise<{ name: string; executionArn: string } | undefined> {
  return runningOf(sfn, machineArn, (name) => isBackfillOf(name, org));
}

export type StartedBackfill = SingleStart;

export function startBackfill(sfn: SFNClient, machineArn: string, input: BackfillInput, now = new Date()): Promise<StartedBackfill> {
  const checked = backfillInputSchema.parse(input);
  return startUnlessRunning(sfn, machineArn, {
    name: backfillExecutionName(checked.org, now),
    input: JSON.stringify(checked),
    isSame: (name) => isBackfillOf(name, checked.org),
  });
}

export interface BackfillState extends ExecutionState {
  totals: Totals;
}

/** Status and, once it ended, the totals of a backfill (its output). */
export async function backfillState(sfn: SFNClient, executionArn: string): Promise<BackfillState> {
  const { result, ...state } = await executionState(sfn, executionArn, (out) => totalsSchema.safeParse((out as { totals?: unknown }).totals));
  return { ...state, totals: result?.success ? result.data : ZERO_TOTALS };
}

/** How many of this backfill's repository children have ended, and how many are running: the progress line. */
export async function repositoryProgress(sfn: SFNClient, repositoryMachineArn: string, backfillName: string): Promise<{ done: number; running: number }> {
  const prefix = `${backfillName}-r`;
  let done = 0;
  let running = 0;
  let nextToken: string | undefined;
  do {
    const res = await sfn.send(new ListExecutionsCommand({ stateMachineArn: repositoryMachineArn, maxResults: 1000, nextToken }));
    for (const e of res.executions ?? []) {
      if (!e.name?.startsWith(prefix)) continue;
      if (e.status === "RUNNING") running += 1;
      else done += 1;
    }
    nextToken = res.nextToken;
  } while (nextToken);
  return { done, running };
}
