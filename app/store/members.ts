import { DynamoDBClient, QueryCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import type { MemberRecord } from "../records/member.js";
import { memberKey } from "../records/member.js";
import { tableName } from "./table.js";

/** The org's stored members: one Query on the org's partition (never a Scan), following pagination. */
export async function listMembers(org: string, client = new DynamoDBClient({})): Promise<MemberRecord[]> {
  const { pk } = memberKey(org, "");
  const out: MemberRecord[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const res = await client.send(
      new QueryCommand({
        TableName: tableName(),
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :member)",
        ExpressionAttributeValues: { ":pk": { S: pk }, ":member": { S: "MEMBER#" } },
        ExclusiveStartKey: start,
      }),
    );
    for (const item of res.Items ?? []) {
      const { pk: _pk, sk: _sk, type: _type, ...rest } = unmarshall(item);
      out.push(rest as MemberRecord);
    }
    start = res.LastEvaluatedKey;
  } while (start);
  return out;
}
