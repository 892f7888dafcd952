// What the executions a benchmark ran would cost on AWS, from their histories: billed transitions, Lambda
// requests and GB-seconds, DynamoDB write request units, SNS publishes, at published us-east-1 list prices.
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { billedTransitions } from "./billed.js";

/** us-east-1 list prices, USD. Sources named beside each figure (read December 2026). */
export const PRICES = {
  /** https://aws.amazon.com/step-functions/pricing/ : Standard, per state transition */
  transition: 0.025 / 1000,
  /** https://aws.amazon.com/lambda/pricing/ : Arm, per request and per GB-second */
  lambdaRequest: 0.2 / 1_000_000,
  lambdaGbSecond: 0.0000133334,
  /** https://aws.amazon.com/dynamodb/pricing/on-demand/ : per write request unit */
  writeUnit: 0.625 / 1_000_000,
  /** https://aws.amazon.com/sns/pricing/ : per publish (64 KB chunk), standard topics */
  publish: 0.5 / 1_000_000,
} as const;

/** The task Lambdas' memory in the stack (infra/stack.ts nodeFunction default). */
const TASK_MEMORY_GB = 0.5;

export interface Usage {
  executions: number;
  transitions: number;
  lambdaRequests: number;
  lambdaGbSeconds: number;
  writeUnits: number;
  publishes: number;
}

/** A transaction bills 2 write units per item (up to 1 KB), a single write 1. */
function writeUnitsOf(state: string, input: unknown, resource: string): number {
  if (resource.endsWith("dynamodb:transactWriteItems")) {
    const plan = (input as { priced?: { recording?: Record<string, { items?: unknown[] }> } }).priced?.recording;
    const variant = state === "RecordRepeatOfRun" ? "repeatOfRun" : "firstOfRun";
    return 2 * (plan?.[variant]?.items?.length ?? 0);
  }
  return /dynamodb:(putItem|updateItem|deleteItem)$/.test(resource) ? 1 : 0;
}

export function usageOf(histories: HistoryEvent[][]): Usage {
  const u: Usage = { executions: histories.length, transitions: 0, lambdaRequests: 0, lambdaGbSeconds: 0, writeUnits: 0, publishes: 0 };
  for (const events of histories) {
    u.transitions += billedTransitions(events).transitions;
    const open = new Map<string, { at: number; input: unknown; resource?: string }>();
    let last: string | undefined;
    for (const e of events) {
      const name = e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name;
      if (e.type === "TaskStateEntered" && name) {
        open.set(name, { at: e.timestamp?.getTime() ?? 0, input: JSON.parse(e.stateEnteredEventDetails?.input ?? "null") });
        last = name;
      }
      const task = last ? open.get(last) : undefined;
      if (e.type === "TaskScheduled" && last && task) {
        const resource = e.taskScheduledEventDetails?.resource ?? "";
        task.resource = resource;
        if (resource.endsWith("lambda:invoke")) u.lambdaRequests += 1;
        if (resource.endsWith("sns:publish")) u.publishes += 1;
        u.writeUnits += writeUnitsOf(last, task.input, resource);
      }
      if (e.type === "TaskStateExited" && name && open.has(name)) {
        const entered = open.get(name)!;
        open.delete(name);
        // Upper bound: the task state's time on the embedded engine, billed per ms at the task memory.
        if (entered.resource?.endsWith("lambda:invoke")) u.lambdaGbSeconds += (((e.timestamp?.getTime() ?? 0) - entered.at) / 1000) * TASK_MEMORY_GB;
      }
    }
  }
  return u;
}

interface Parts {
  transitions: number;
  lambda: number;
  dynamodb: number;
  sns: number;
}

export function usdPerThousand(u: Usage): { total: number; parts: Parts } {
  const per = 1000 / Math.max(1, u.executions);
  const parts: Parts = {
    transitions: u.transitions * PRICES.transition * per,
    lambda: (u.lambdaRequests * PRICES.lambdaRequest + u.lambdaGbSeconds * PRICES.lambdaGbSecond) * per,
    dynamodb: u.writeUnits * PRICES.writeUnit * per,
    sns: u.publishes * PRICES.publish * per,
  };
  return { total: Object.values(parts).reduce((a, b) => a + b, 0), parts };
}

export function billLines(what: string, u: Usage): string[] {
  const { total, parts } = usdPerThousand(u);
  const per = (x: number) => (x / Math.max(1, u.executions)).toFixed(2);
  return [
    `  AWS bill per ${what} (from ${u.executions} histories): ${per(u.transitions)} transitions, ${per(u.lambdaRequests)} Lambda requests, ${per(u.lambdaGbSeconds * 1000)} GB-ms (upper bound), ${per(u.writeUnits)} write units, ${per(u.publishes)} SNS publishes`,
    `  USD per 1,000 ${what}s at us-east-1 list prices: ${total.toFixed(4)} (transitions ${parts.transitions.toFixed(4)}, Lambda ${parts.lambda.toFixed(4)}, DynamoDB ${parts.dynamodb.toFixed(4)}, SNS ${parts.sns.toFixed(4)}); prices: aws.amazon.com/{step-functions,lambda,dynamodb/on-demand,sns}/pricing`,
  ];
}
