import { DescribeExecutionCommand, ExecutionNotRedrivable, RedriveExecutionCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { isExpressRefusal } from "./express.js";
import { recentExecutions } from "./query.js";
import { isUnsuccessful } from "./status.js";

/** What a redrive did with one execution. */
export interface RedriveResult {
  machine: string;
  name: string;
  status: string;
  outcome: "redriven" | "not_redrivable";
  reason?: string;
}

/**
 * Step Functions' own recovery: the execution goes on from the state that failed, under the same name and ARN, with
 * the successful steps kept (Standard workflows only). The machines are idempotent, so a redrive never counts twice.
 */
export async function redriveOne(client: SFNClient, machine: string, executionArn: string): Promise<RedriveResult> {
  const d = await client.send(new DescribeExecutionCommand({ executionArn }));
  const base = { machine, name: d.name ?? executionArn, status: d.status ?? "" };
  try {
    await client.send(new RedriveExecutionCommand({ executionArn }));
    return { ...base, outcome: "redriven" };
  } catch (err) {
    if (err instanceof ExecutionNotRedrivable) return { ...base, outcome: "not_redrivable", reason: err.message };
    throw err;
  }
}

/** Every failed, timed-out or aborted execution of the machines that stopped on or after `since` (UTC). */
export async function redriveUnsuccessful(
  client: SFNClient,
  machines: Array<{ name: string; arn: string }>,
  since: Date | undefined,
  limit = 1000,
): Promise<RedriveResult[]> {
  const out: RedriveResult[] = [];
  for (const m of machines) {
    let recent: Awaited<ReturnType<typeof recentExecutions>>;
    try {
      recent = await recentExecutions(client, m.arn, limit);
    } catch (err) {
      // An Express workflow cannot be listed, nor redriven: nothing of it to do here.
      if (isExpressRefusal(err)) continue;
      throw err;
    }
    for (const e of recent) {
      if (!isUnsuccessful(e.status) || !e.executionArn) continue;
      if (since && (e.stopDate ?? e.startDate ?? new Date(0)) < since) continue;
      out.push(await redriveOne(client, m.name, e.executionArn));
    }
  }
  return out;
}
