import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import { readEnv } from "../env.js";

/**
 * The single table, described once: the CDK stack and the embedded store both build it from this,
 * so the local copy is the same shape as the deployed one.
 *
 *  member  ORG#<org>            MEMBER#<login>
 *  run     REPO#<owner>/<repo>  RUN#<completedAt>#<runId>#<attempt>
 *  runseen REPO#<owner>/<repo>  RUNSEEN#<runId>           (marks a run as counted once)
 *  totals  REPO#<owner>/<repo>  TOTALS | TOTALS#<yyyy-mm>  (gsi1: ORG#<org>#<period> / REPO#<owner>/<repo>)
 */
export const TABLE = {
  partitionKey: "pk",
  sortKey: "sk",
  index: { name: "gsi1", partitionKey: "gsi1pk", sortKey: "gsi1sk" },
} as const;

export const DEFAULT_TABLE_NAME = "org-flows";

export function tableName(): string {
  return readEnv().TABLE_NAME ?? DEFAULT_TABLE_NAME;
}

export function createTableInput(name: string): CreateTableCommandInput {
  return {
    TableName: name,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: TABLE.partitionKey, AttributeType: "S" },
      { AttributeName: TABLE.sortKey, AttributeType: "S" },
      { AttributeName: TABLE.index.partitionKey, AttributeType: "S" },
      { AttributeName: TABLE.index.sortKey, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: "HASH" },
      { AttributeName: TABLE.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE.index.name,
        KeySchema: [
          { AttributeName: TABLE.index.partitionKey, KeyType: "HASH" },
          { AttributeName: TABLE.index.sortKey, KeyType: "RANGE" },
        ],
        Projection: { ProjectionType: "ALL" },
      },
    ],
  };
}
