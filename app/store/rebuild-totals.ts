import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall, unmarshall } from "@aws-sdk/util-dynamodb";
import { totalsFromRuns } from "../records/rebuild.js";
import { orgRunsGsi } from "../records/keys.js";
import type { RunRecord } from "../records/run.js";
import { dynamoClient, queryAll } from "./dynamo.js";
import { TABLE, tableName } from "./table.js";

/**
 * Rewrites an org's totals from its run records (Query on gsi1, never a Scan). The repair for totals an execution
 * could not finish adding (its failure was notified). Totals of attempts recorded while it runs may be overwritten:
 * run it when no workflow runs are being priced, then check with the report.
 */
export async function rebuildTotals(org: string, progress: (msg: string) => void = () => {}): Promise<{ runs: number; items: number }> {
  const db = dynamoClient();
  const items = await queryAll(db, {
    TableName: tableName(),
    IndexName: TABLE.index.name,
    KeyConditionExpression: "#g = :g",
    ExpressionAttributeNames: { "#g": TABLE.index.partitionKey },
    ExpressionAttributeValues: { ":g": { S: orgRunsGsi(org) } },
  });
  const runs = items.map((i) => unmarshall(i) as RunRecord);
  progress(`read ${runs.length} run records`);
  const totals = totalsFromRuns(runs, "repository");
  let done = 0;
  for (const t of totals) {
    await db.send(new PutItemCommand({ TableName: tableName(), Item: marshall(t) }));
    done += 1;
    if (done % 100 === 0) progress(`wrote ${done}/${totals.length} totals items`);
  }
  progress(`wrote ${totals.length} totals items`);
  return { runs: runs.length, items: totals.length };
}
