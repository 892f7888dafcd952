import { DynamoDBClient, QueryCommand, type AttributeValue, type QueryCommandInput } from "@aws-sdk/client-dynamodb";
import { sdkTimeouts } from "../outbound.js";

let client: DynamoDBClient | undefined;

/**
 * One client per process; the SDK reads the region and `AWS_ENDPOINT_URL_DYNAMODB` from the environment. With
 * timeouts: a command must not wait forever on an endpoint that stopped answering.
 */
export function dynamoClient(): DynamoDBClient {
  client ??= new DynamoDBClient({ ...sdkTimeouts() });
  return client;
}

/** Lets a CLI process exit promptly (the SDK keeps sockets open). */
export function closeDynamoClient(): void {
  client?.destroy();
  client = undefined;
}

/** Every page of a Query, following LastEvaluatedKey: the store's reads are Queries, never Scans. */
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
