// The atomic recording of one priced run attempt: the run record, the run-seen marker and every aggregate commit in
// one DynamoDB transaction or not at all. Pure: the price-run task builds it, the state machine sends it
// (aws-sdk:dynamodb:transactWriteItems), so a repeated, resumed or retried execution can neither add twice nor
// leave an aggregate short.
import { createHash } from "node:crypto";
import type { AttributeValue, TransactWriteItem } from "@aws-sdk/client-dynamodb";
import { runItem, runSeenItem, type RunRecord } from "./run.js";
import { attemptUpdates, type AggregateUpdate } from "./totals.js";

type Item = Record<string, AttributeValue>;

/** One way to record the attempt, and the idempotency token that names exactly this request. */
export interface RecordingVariant {
  items: TransactWriteItem[];
  /** DynamoDB's ClientRequestToken: at most 36 characters */
  token: string;
}

export interface RecordingPlan {
  /** the first attempt of its run to be recorded: creates the run-seen marker and adds 1 to the run count */
  firstOfRun: RecordingVariant;
  /** another attempt of the run was recorded already: checks the marker and adds 0 runs */
  repeatOfRun: RecordingVariant;
  /** what the machine reads after a cancelled transaction to tell "already recorded" from "run already counted" */
  runKey: Item;
  runSeenKey: Item;
}

/**
 * The token is a digest of the request itself: a retried Task (same request) is answered as committed without a
 * second write, while a re-priced attempt (an execution run again from the start) is a new request whose conditions
 * fail, never an IdempotentParameterMismatch.
 */
function token(items: TransactWriteItem[]): string {
  return createHash("sha256").update(JSON.stringify(items)).digest("base64url").slice(0, 36);
}

function keyOf(item: Item): Item {
  return { pk: item.pk!, sk: item.sk! };
}

export function recordingPlan(record: RunRecord, table: string): RecordingPlan {
  const run = runItem(record);
  const seen = runSeenItem(record);
  const notRecorded = { ConditionExpression: "attribute_not_exists(pk)" };
  // The repository's totals and the org's, the cost centre's and the workflow's month: in one transaction, so they
  // can never disagree with the run records or with each other.
  const aggregates = attemptUpdates(record);
  const addTo = (a: AggregateUpdate, values: Item): TransactWriteItem => ({
    Update: { TableName: table, Key: a.key, UpdateExpression: a.updateExpression, ExpressionAttributeNames: a.names, ExpressionAttributeValues: values },
  });
  const recordRun: TransactWriteItem = { Put: { TableName: table, Item: run, ...notRecorded } };
  const first = [recordRun, { Put: { TableName: table, Item: seen, ...notRecorded } }, ...aggregates.map((a) => addTo(a, a.firstRun))];
  const repeat = [
    recordRun,
    { ConditionCheck: { TableName: table, Key: keyOf(seen), ConditionExpression: "attribute_exists(pk)" } },
    ...aggregates.map((a) => addTo(a, a.repeatRun)),
  ];
  return {
    firstOfRun: { items: first, token: token(first) },
    repeatOfRun: { items: repeat, token: token(repeat) },
    runKey: keyOf(run),
    runSeenKey: keyOf(seen),
  };
}
