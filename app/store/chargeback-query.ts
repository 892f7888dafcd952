// Reads of the chargeback totals. Always Query (gsi1 for an org, the table key for one repository), never Scan:
// the cost of a report grows with the org's repositories, not with the table.
import { DynamoDBClient, QueryCommand, type AttributeValue, type QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { orgAllTimeGsi, orgMonthGsi, repoPk, totalsFromItem, totalsSk, type RepoTotals } from "../records/run.js";
import { TABLE, tableName } from "./table.js";

let client: DynamoDBClient | undefined;

/** One client per process; the SDK reads the region and `AWS_ENDPOINT_URL_DYNAMODB` from the environment. */
export function dynamoClient(): DynamoDBClient {
  client ??= new DynamoDBClient({});
  return client;
}

/** Every page of a Query, following LastEvaluatedKey. */
export async function queryAll(db: DynamoDBClient, input: QueryCommandInput): Promise<Array<Record<string, AttributeValue>>> {
  const items: Array<Record<string, AttributeValue>> = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const out = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

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

/** Lets a CLI process exit promptly (the SDK keeps sockets open). */
export function closeDynamoClient(): void {
  client?.destroy();
  client = undefined;
}
