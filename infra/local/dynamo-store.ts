import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { createTableInput, TABLE } from "../../app/store/table.js";
import { LocalTransactions, type TransactionProbe } from "./dynamo-transactions.js";

export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * dynalite, persisted under `<dataDir>/dynamodb` (or in memory without a dataDir), with the table created exactly
 * as the stack defines it (same keys and index, from app/store/table.ts).
 */
export async function startLocalDynamo(opts: { dataDir?: string; tableName: string; port?: number; transactionProbe?: TransactionProbe }): Promise<LocalDynamo> {
  let path: string | undefined;
  if (opts.dataDir) {
    path = `${opts.dataDir}/dynamodb`;
    mkdirSync(path, { recursive: true });
  }
  const server: Server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  await ensureTable(endpoint, opts.tableName);
  // dynalite has no transactions: this front answers TransactWriteItems with DynamoDB's semantics.
  const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const transactions = new LocalTransactions(client, {
    dir: opts.dataDir ? `${opts.dataDir}/transactions` : undefined,
    keyAttributes: [TABLE.partitionKey, TABLE.sortKey],
    probe: opts.transactionProbe,
  });
  await transactions.recover();
  transactions.attach(server);
  return {
    endpoint,
    close: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}

async function ensureTable(endpoint: string, name: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  try {
    await client.send(new DescribeTableCommand({ TableName: name }));
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    await client.send(new CreateTableCommand(createTableInput(name)));
    // dynalite answers CREATING first, even with createTableMs 0: wait until the table takes writes.
    for (let i = 0; i < 100; i++) {
      const d = await client.send(new DescribeTableCommand({ TableName: name }));
      if (d.Table?.TableStatus === "ACTIVE") break;
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    client.destroy();
  }
}
