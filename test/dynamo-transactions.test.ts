import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import {
  DynamoDBClient,
  GetItemCommand,
  IdempotentParameterMismatchException,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { startLocalDynamo, type LocalDynamo } from "../infra/local/dynamo-store.js";

/** TransactWriteItems on the embedded store, through the ordinary SDK client, with DynamoDB's semantics. */
const TABLE = "tx-test";
let store: LocalDynamo;
let db: DynamoDBClient;
const dataDir = mkdtempSync(join(tmpdir(), "tx-"));

beforeAll(async () => {
  store = await startLocalDynamo({ dataDir, tableName: TABLE });
  db = new DynamoDBClient({ endpoint: store.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
});

afterAll(async () => {
  db.destroy();
  await store.close();
});

const key = (sk: string) => ({ pk: { S: "P" }, sk: { S: sk } });
const putNew = (sk: string, n = 1): TransactWriteItem => ({
  Put: { TableName: TABLE, Item: { ...key(sk), n: { N: String(n) } }, ConditionExpression: "attribute_not_exists(pk)" },
});
const addTo = (sk: string, n: number): TransactWriteItem => ({
  Update: {
    TableName: TABLE,
    Key: key(sk),
    UpdateExpression: "ADD #n :n",
    ExpressionAttributeNames: { "#n": "n" },
    ExpressionAttributeValues: { ":n": { N: String(n) } },
  },
});
async function n(sk: string): Promise<number | undefined> {
  const got = await db.send(new GetItemCommand({ TableName: TABLE, Key: key(sk), ConsistentRead: true }));
  return got.Item?.n?.N === undefined ? undefined : Number(got.Item.n.N);
}

describe("TransactWriteItems on the embedded store", () => {
  it("commits every item together", async () => {
    await db.send(new TransactWriteItemsCommand({ TransactItems: [putNew("a1"), addTo("total1", 5)] }));
    expect(await n("a1")).toBe(1);
    expect(await n("total1")).toBe(5);
  });

  it("a failed condition cancels the whole transaction, with one reason per item", async () => {
    await db.send(new PutItemCommand({ TableName: TABLE, Item: { ...key("a2"), n: { N: "7" } } }));
    const err = await db.send(new TransactWriteItemsCommand({ TransactItems: [addTo("total2", 5), putNew("a2"), putNew("a3")] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionCanceledException);
    expect((err as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual(["None", "ConditionalCheckFailed", "None"]);
    expect((err as Error).message).toContain("[None, ConditionalCheckFailed, None]");
    // Nothing of it was applied, the item written before the failing one included.
    expect(await n("total2")).toBeUndefined();
    expect(await n("a3")).toBeUndefined();
    expect(await n("a2")).toBe(7);
  });

  it("ConditionCheck checks without writing; ALL_OLD returns the item that failed", async () => {
    await db.send(new PutItemCommand({ TableName: TABLE, Item: { ...key("seen"), n: { N: "1" } } }));
    await db.send(
      new TransactWriteItemsCommand({
        TransactItems: [{ ConditionCheck: { TableName: TABLE, Key: key("seen"), ConditionExpression: "attribute_exists(pk)" } }, addTo("total3", 2)],
      }),
    );
    expect(await n("total3")).toBe(2);
    expect(await n("seen")).toBe(1);
    const err = (await db
      .send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { ConditionCheck: { TableName: TABLE, Key: key("absent"), ConditionExpression: "attribute_exists(pk)" } },
            { Put: { ...putNew("seen").Put!, ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
          ],
        }),
      )
      .catch((e: unknown) => e)) as TransactionCanceledException;
    expect(err.CancellationReasons?.map((r) => r.Code)).toEqual(["ConditionalCheckFailed", "ConditionalCheckFailed"]);
    expect(err.CancellationReasons?.[1]?.Item?.n?.N).toBe("1");
    expect(await n("absent")).toBeUndefined();
  });

  it("the same ClientRequestToken and request within 10 minutes succeeds without writing twice", async () => {
    const request = { TransactItems: [addTo("total4", 3)], ClientRequestToken: "attempt-42" };
    await db.send(new TransactWriteItemsCommand(request));
    await db.send(new TransactWriteItemsCommand(request));
    expect(await n("total4")).toBe(3);
    const err = await db.send(new TransactWriteItemsCommand({ ...request, TransactItems: [addTo("total4", 4)] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdempotentParameterMismatchException);
    expect(await n("total4")).toBe(3);
  });

  it("refuses what DynamoDB refuses: two operations on one item, more than 100 items, a token over 36 characters", async () => {
    await expect(db.send(new TransactWriteItemsCommand({ TransactItems: [addTo("x", 1), addTo("x", 2)] }))).rejects.toThrow(/multiple operations on one item/);
    const many = Array.from({ length: 101 }, (_, i) => addTo(`m${i}`, 1));
    await expect(db.send(new TransactWriteItemsCommand({ TransactItems: many }))).rejects.toMatchObject({ name: "ValidationException" });
    await expect(db.send(new TransactWriteItemsCommand({ TransactItems: [addTo("x", 1)], ClientRequestToken: "t".repeat(37) }))).rejects.toMatchObject({
      name: "ValidationException",
    });
    expect(await n("x")).toBeUndefined();
  });

  it("concurrent transactions on one aggregate add up exactly", async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => db.send(new TransactWriteItemsCommand({ TransactItems: [putNew(`c${i}`), addTo("total5", i + 1)] }))),
    );
    expect(await n("total5")).toBe((40 * 41) / 2);
  });
});

describe("a commit cut short", () => {
  it("is rolled back when the store starts again", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tx-crash-"));
    let writes = 0;
    const crashing = await startLocalDynamo({
      dataDir: dir,
      tableName: TABLE,
      transactionProbe: (point) => {
        // Dies after the first of three writes, as a killed process would: journal on disk, one item written.
        if (point === "applied-one" && ++writes === 1) throw new Error("killed");
      },
    });
    const c1 = new DynamoDBClient({
      endpoint: crashing.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: "x", secretAccessKey: "x" },
      maxAttempts: 1,
    });
    await c1.send(new PutItemCommand({ TableName: TABLE, Item: { ...key("total"), n: { N: "10" } } }));
    await expect(c1.send(new TransactWriteItemsCommand({ TransactItems: [addTo("total", 5), putNew("r1"), putNew("r2")] }))).rejects.toThrow();
    const before = await c1.send(new GetItemCommand({ TableName: TABLE, Key: key("total"), ConsistentRead: true }));
    expect(before.Item?.n?.N).toBe("15"); // half applied, as a crash leaves it
    c1.destroy();
    await crashing.close();

    const again = await startLocalDynamo({ dataDir: dir, tableName: TABLE });
    const c2 = new DynamoDBClient({ endpoint: again.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    try {
      const after = await c2.send(new GetItemCommand({ TableName: TABLE, Key: key("total"), ConsistentRead: true }));
      expect(after.Item?.n?.N).toBe("10");
      const r1 = await c2.send(new GetItemCommand({ TableName: TABLE, Key: key("r1"), ConsistentRead: true }));
      expect(r1.Item).toBeUndefined();
    } finally {
      c2.destroy();
      await again.close();
    }
  });
});
