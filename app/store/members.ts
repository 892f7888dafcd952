import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { memberKey, type MemberRecord } from "../records/member.js";
import { dynamoClient, queryAll } from "./dynamo.js";
import { tableName } from "./table.js";

/** The org's stored members: one Query on the org's partition (never a Scan), following pagination. */
export async function listMembers(org: string, db: DynamoDBClient = dynamoClient()): Promise<MemberRecord[]> {
  const items = await queryAll(db, {
    TableName: tableName(),
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :member)",
    ExpressionAttributeValues: { ":pk": { S: memberKey(org, "").pk }, ":member": { S: "MEMBER#" } },
  });
  return items.map((item) => {
    const { pk: _pk, sk: _sk, type: _type, ...rest } = unmarshall(item);
    return rest as MemberRecord;
  });
}
