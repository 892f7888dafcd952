import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { orgRunsGsi } from "../records/keys.js";
import type { RunRecord } from "../records/run.js";
import { queryAll } from "./dynamo.js";
import { TABLE, tableName } from "./table.js";

/** Every run record of an org: a Query on gsi1, never a Scan. What totals are rebuilt and reallocated from. */
export async function orgRunRecords(db: DynamoDBClient, org: string): Promise<RunRecord[]> {
  const items = await queryAll(db, {
    TableName: tableName(),
    IndexName: TABLE.index.name,
    KeyConditionExpression: "#g = :g",
    ExpressionAttributeNames: { "#g": TABLE.index.partitionKey },
    ExpressionAttributeValues: { ":g": { S: orgRunsGsi(org) } },
  });
  return items.map((i) => unmarshall(i) as RunRecord);
}
