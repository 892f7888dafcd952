import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import { totalsFromRuns } from "../records/rebuild.js";
import { dynamoClient } from "./dynamo.js";
import { orgRunRecords } from "./run-records.js";
import { tableName } from "./table.js";

/**
 * Rewrites an org's totals from its run records (Query on gsi1, never a Scan). The repair for totals an execution
 * could not finish adding (its failure was notified). Totals of attempts recorded while it runs may be overwritten:
 * run it when no workflow runs are being priced, then check with the report.
 */
export async function rebuildTotals(org: string, progress: (msg: string) => void = () => {}): Promise<{ runs: number; items: number }> {
  const db = dynamoClient();
  const runs = await orgRunRecords(db, org);
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
