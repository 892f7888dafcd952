import { GetExecutionHistoryCommand, ListExecutionsCommand, type SFNClient, type ExecutionListItem, type HistoryEvent } from "@aws-sdk/client-sfn";

/** Recent executions of one machine, newest first, through the Step Functions API (AWS or the embedded endpoint). */
export async function recentExecutions(client: SFNClient, stateMachineArn: string, limit: number): Promise<ExecutionListItem[]> {
  const out: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const res = await client.send(new ListExecutionsCommand({ stateMachineArn, maxResults: Math.min(limit - out.length, 1000), nextToken }));
    out.push(...(res.executions ?? []));
    nextToken = res.nextToken;
  } while (nextToken && out.length < limit);
  return out.slice(0, limit);
}

export async function executionHistory(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const res = await client.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken, includeExecutionData: false }));
    events.push(...(res.events ?? []));
    nextToken = res.nextToken;
  } while (nextToken);
  return events;
}

/** The field by which Step Functions links a child execution to the execution that started it (AWS's convention). */
export const STARTED_BY = "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID";

/** The name of the execution that started this one (from its input), or "" for one started from outside. */
export function parentName(input: string | undefined): string {
  if (!input) return "";
  try {
    const arn = (JSON.parse(input) as Record<string, unknown>)[STARTED_BY];
    return typeof arn === "string" ? (arn.split(":").pop() ?? "") : "";
  } catch {
    return "";
  }
}
