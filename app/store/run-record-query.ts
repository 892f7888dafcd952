// Run records for the per-pull-request and per-job views: one repository's with a Query on its partition (the
// month narrows the sort key), or the org's with a Query on gsi1. Never a Scan.
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { repoPk } from "../records/keys.js";
import type { RunRecord } from "../records/run.js";
import { dynamoClient, queryAll } from "./dynamo.js";
import { orgRunRecords } from "./run-records.js";
import { TABLE, tableName } from "./table.js";

export async function runRecordsFor(org: string, opts: { month?: string; repo?: string }): Promise<RunRecord[]> {
  const db = dynamoClient();
  let records: RunRecord[];
  if (opts.repo) {
    const items = await queryAll(db, {
      TableName: tableName(),
      KeyConditionExpression: "#pk = :pk AND begins_with(#sk, :sk)",
      ExpressionAttributeNames: { "#pk": TABLE.partitionKey, "#sk": TABLE.sortKey },
      ExpressionAttributeValues: { ":pk": { S: repoPk(opts.repo) }, ":sk": { S: `RUN#${opts.month ?? ""}` } },
    });
    records = items.map((i) => unmarshall(i) as RunRecord);
  } else {
    records = await orgRunRecords(db, org);
  }
  return records.filter((r) => r.type === "run" && r.org.toLowerCase() === org.toLowerCase() && (!opts.month || r.month === opts.month));
}
