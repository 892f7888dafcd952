// Starting and following a member backfill through the Step Functions API: one per org at a time (Step Functions is
// asked which executions run), as for the workflow-run backfill.
import type { SFNClient } from "@aws-sdk/client-sfn";
import { executionState, startUnlessRunning, type ExecutionState } from "../executions/single.js";
import { memberBackfillInputSchema, memberTotalsSchema, ZERO_MEMBER_TOTALS, type MemberBackfillInput, type MemberTotals } from "./members.js";
import type { StartedBackfill } from "./start.js";

/** `mbf-<org>-<yymmddHHMMSS>`: at most 56 characters, so that children (`-m<member id>`) stay within 80. */
export function memberBackfillName(org: string, now: Date): string {
  return `mbf-${org.toLowerCase()}-${now.toISOString().replace(/[-:T]/g, "").slice(2, 14)}`;
}

export function startMemberBackfill(sfn: SFNClient, machineArn: string, input: MemberBackfillInput, now = new Date()): Promise<StartedBackfill> {
  const checked = memberBackfillInputSchema.parse(input);
  const prefix = `mbf-${checked.org.toLowerCase()}-`;
  return startUnlessRunning(sfn, machineArn, {
    name: memberBackfillName(checked.org, now),
    input: JSON.stringify(checked),
    isSame: (name) => name.startsWith(prefix) && /^\d{12}$/.test(name.slice(prefix.length)),
  });
}

export async function memberBackfillState(sfn: SFNClient, executionArn: string): Promise<ExecutionState & { totals: MemberTotals }> {
  const { result, ...state } = await executionState(sfn, executionArn, (out) => memberTotalsSchema.safeParse((out as { totals?: unknown }).totals));
  return { ...state, totals: result?.success ? result.data : ZERO_MEMBER_TOTALS };
}
