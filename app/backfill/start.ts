// Starting and following a backfill through the Step Functions API (AWS or the embedded endpoint). One backfill per
// org at a time: Step Functions itself is asked which executions are running, no job state is kept by hand.
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  StartExecutionCommand,
  type ExecutionStatus,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import { backfillInputSchema, totalsSchema, ZERO_TOTALS, type BackfillInput, type Totals } from "./contract.js";

/** `bf-<org>-<yymmddHHMMSS>`: at most 55 characters, so that children (`-r<repo id>-<page>`) stay within 80. */
export function backfillExecutionName(org: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, "").slice(2, 14);
  return `bf-${org.toLowerCase()}-${stamp}`;
}

function isBackfillOf(name: string, org: string): boolean {
  const prefix = `bf-${org.toLowerCase()}-`;
  return name.startsWith(prefix) && /^\d{12}$/.test(name.slice(prefix.length));
}

export const executionArnOf = (machineArn: string, name: string): string => `${machineArn.replace(":stateMachine:", ":execution:")}:${name}`;

/** The org's running backfill, if any (ListExecutions with the RUNNING filter, every page). */
export async function runningBackfill(sfn: SFNClient, machineArn: string, org: string): Promise<{ name: string; executionArn: string } | undefined> {
  let nextToken: string | undefined;
  do {
    const res = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: "RUNNING", maxResults: 1000, nextToken }));
    const hit = (res.executions ?? []).find((e) => e.name && isBackfillOf(e.name, org));
    if (hit?.name && hit.executionArn) return { name: hit.name, executionArn: hit.executionArn };
    nextToken = res.nextToken;
  } while (nextToken);
  return undefined;
}

export interface StartedBackfill {
  name: string;
  executionArn: string;
  /** false: a backfill of this org was running already, and this is that one */
  started: boolean;
}

export async function startBackfill(sfn: SFNClient, machineArn: string, input: BackfillInput, now = new Date()): Promise<StartedBackfill> {
  const checked = backfillInputSchema.parse(input);
  const running = await runningBackfill(sfn, machineArn, checked.org);
  if (running) return { ...running, started: false };
  const name = backfillExecutionName(checked.org, now);
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name, input: JSON.stringify(checked) }));
    return { name, executionArn: out.executionArn ?? executionArnOf(machineArn, name), started: true };
  } catch (err) {
    // Started within the same second by another command with other options: that one is the org's backfill.
    if (err instanceof ExecutionAlreadyExists) return { name, executionArn: executionArnOf(machineArn, name), started: false };
    throw err;
  }
}

export interface BackfillState {
  status: ExecutionStatus | "UNKNOWN";
  totals: Totals;
  error?: string;
  cause?: string;
}

/** Status and, once it ended, the totals of a backfill (its output). */
export async function backfillState(sfn: SFNClient, executionArn: string): Promise<BackfillState> {
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  let totals = ZERO_TOTALS;
  if (d.output) {
    const parsed = totalsSchema.safeParse((JSON.parse(d.output) as { totals?: unknown }).totals);
    if (parsed.success) totals = parsed.data;
  }
  return { status: d.status ?? "UNKNOWN", totals, ...(d.error ? { error: d.error } : {}), ...(d.cause ? { cause: d.cause } : {}) };
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
