import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { unmarshall } from "@aws-sdk/util-dynamodb";
import { memberKey, type MemberRecord, type PastMembership } from "../records/member.js";
import { dynamoClient, queryAll } from "./dynamo.js";
import { tableName } from "./table.js";

/**
 * The org's stored members, leavers included (`leftAt` set): one Query on the org's partition (never a Scan),
 * following pagination. `currentMembers` leaves the leavers out.
 */
export async function listMembers(org: string, db: DynamoDBClient = dynamoClient()): Promise<MemberRecord[]> {
  const items = await queryAll(db, {
    TableName: tableName(),
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :member)",
    ExpressionAttributeValues: { ":pk": { S: memberKey(org, "").pk }, ":member": { S: "MEMBER#" } },
  });
  return (
    items
      .map((item) => unmarshall(item))
      // A leave recorded before the member's record existed (member-offboarding's RecordLeave) has no joinedAt:
      // it holds the leave for an onboarding still running, and is nobody's record.
      .filter((item) => typeof item.joinedAt === "string")
      .map(({ pk: _pk, sk: _sk, type: _type, ...rest }) => rest as MemberRecord)
  );
}

/** The org's members who have not left. */
export async function currentMembers(org: string, db: DynamoDBClient = dynamoClient()): Promise<MemberRecord[]> {
  return (await listMembers(org, db)).filter((m) => !m.leftAt);
}

/** Memberships that ended (kept across a rejoin), oldest first per login: one Query on the org's partition. */
export async function listPastMemberships(org: string, db: DynamoDBClient = dynamoClient()): Promise<PastMembership[]> {
  const items = await queryAll(db, {
    TableName: tableName(),
    KeyConditionExpression: "pk = :pk AND begins_with(sk, :past)",
    ExpressionAttributeValues: { ":pk": { S: memberKey(org, "").pk }, ":past": { S: "PAST#" } },
  });
  return items.map((item) => {
    const { pk: _pk, sk: _sk, type: _type, ...rest } = unmarshall(item);
    return rest as PastMembership;
  });
}
