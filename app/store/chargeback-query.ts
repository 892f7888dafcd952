// Reads of the chargeback totals. Always Query (gsi1 for an org, the table key for one repository), never Scan:
// the cost of a report grows with the org's repositories, not with the table.
import type { QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { orgAllTimeGsi, orgMonthGsi, repoPk, totalsSk } from "../records/keys.js";
import { totalsFromItem, type RepoTotals } from "../records/totals.js";
import { dynamoClient, queryAll } from "./dynamo.js";
import { TABLE, tableName } from "./table.js";

export interface TotalsQuery {
  org: string;
  /** yyyy-mm; absent = all-time */
  month?: string;
  /** owner/name: one repository, read by its key */
  repo?: string;
  /** page size, for tests of pagination; DynamoDB's default otherwise */
  pageSize?: number;
}

/** The totals of an org's repositories (or of one), for a month or all-time. */
export async function queryTotals(q: TotalsQuery, db = dynamoClient(), table = tableName()): Promise<RepoTotals[]> {
  const input: QueryCommandInput = q.repo
    ? {
        TableName: table,
        KeyConditionExpression: "#pk = :pk AND #sk = :sk",
        ExpressionAttributeNames: { "#pk": TABLE.partitionKey, "#sk": TABLE.sortKey },
        ExpressionAttributeValues: { ":pk": { S: repoPk(q.repo) }, ":sk": { S: totalsSk(q.month) } },
      }
    : {
        TableName: table,
        IndexName: TABLE.index.name,
        KeyConditionExpression: "#gpk = :gpk",
        ExpressionAttributeNames: { "#gpk": TABLE.index.partitionKey },
        ExpressionAttributeValues: { ":gpk": { S: q.month ? orgMonthGsi(q.org, q.month) : orgAllTimeGsi(q.org) } },
      };
  if (q.pageSize) input.Limit = q.pageSize;
  const items = await queryAll(db, input);
  return items.map((i) => totalsFromItem(unmarshall(i)));
}
