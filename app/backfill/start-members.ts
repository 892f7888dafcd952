// Starting and following a member backfill through the Step Functions API: one per org at a time (Step Functions is
// asked which executions run), as for the workflow-run backfill.
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ListExecutionsCommand,
  StartExecutionCommand,
  type ExecutionStatus,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import { memberBackfillInputSchema, memberTotalsSchema, ZERO_MEMBER_TOTALS, type MemberBackfillInput, type MemberTotals } from "./members.js";
import { executionArnOf, type StartedBackfill } from "./start.js";

/** `mbf-<org>-<yymmddHHMMSS>`: at most 56 characters, so that children (`-m<member id>`) stay within 80. */
export function memberBackfillName(org: string, now: Date): string {
  return `mbf-${org.toLowerCase()}-${now.toISOString().replace(/[-:T]/g, "").slice(2, 14)}`;
}

export async function startMemberBackfill(sfn: SFNClient, machineArn: string, input: MemberBackfillInput, now = new Date()): Promise<StartedBackfill> {
  const checked = memberBackfillInputSchema.parse(input);
  const prefix = `mbf-${checked.org.toLowerCase()}-`;
  let nextToken: string | undefined;
  do {
    const res = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn, statusFilter: "RUNNING", maxResults: 1000, nextToken }));
    const hit = (res.executions ?? []).find((e) => e.name?.startsWith(prefix) && /^\d{12}$/.test(e.name.slice(prefix.length)));
    if (hit?.name && hit.executionArn) return { name: hit.name, executionArn: hit.executionArn, started: false };
    nextToken = res.nextToken;
  } while (nextToken);
  const name = memberBackfillName(checked.org, now);
  try {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: machineArn, name, input: JSON.stringify(checked) }));
    return { name, executionArn: out.executionArn ?? executionArnOf(machineArn, name), started: true };
  } catch (err) {
    if (err instanceof ExecutionAlreadyExists) return { name, executionArn: executionArnOf(machineArn, name), started: false };
    throw err;
  }
}

export async function memberBackfillState(
  sfn: SFNClient,
  executionArn: string,
): Promise<{ status: ExecutionStatus | "UNKNOWN"; totals: MemberTotals; error?: string; cause?: string }> {
  const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  let totals = ZERO_MEMBER_TOTALS;
  if (d.output) {
    const parsed = memberTotalsSchema.safeParse((JSON.parse(d.output) as { totals?: unknown }).totals);
    if (parsed.success) totals = parsed.data;
  }
  return { status: d.status ?? "UNKNOWN", totals, ...(d.error ? { error: d.error } : {}), ...(d.cause ? { cause: d.cause } : {}) };
}
