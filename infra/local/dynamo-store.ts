import { mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { createTableInput, TABLE } from "../../app/store/table.js";
import { guardFromBrowsers } from "./browser-guard.js";
import { acquireDataDirLock, type LockRole } from "./data-dir-lock.js";
import { DATA_DIR_MODE, privateDataDir } from "./data-dir-mode.js";
import { LocalTransactions, type TransactionProbe } from "./dynamo-transactions.js";

export interface LocalDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * dynalite, persisted under `<dataDir>/dynamodb` (or in memory without a dataDir), with the table created exactly
 * as the stack defines it (same keys and index, from app/store/table.ts).
 */
export async function startLocalDynamo(opts: {
  dataDir?: string;
  tableName: string;
  port?: number;
  role?: LockRole;
  transactionProbe?: TransactionProbe;
}): Promise<LocalDynamo> {
  let path: string | undefined;
  let lock: { release(): void } | undefined;
  if (opts.dataDir) {
    privateDataDir(opts.dataDir);
    // dynalite's LevelDB lock is exclusive and a second opener crashes later, uncaught: refuse it here, by name.
    lock = acquireDataDirLock(opts.dataDir, opts.role ?? "command");
    path = `${opts.dataDir}/dynamodb`;
    mkdirSync(path, { recursive: true, mode: DATA_DIR_MODE });
  }
  const server: Server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const close = (): Promise<void> =>
    new Promise<void>((resolve) =>
      server.close(() => {
        lock?.release();
        resolve();
      }),
    );
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.port ?? 0, "127.0.0.1", () => resolve());
    });
  } catch (err) {
    lock?.release();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  // dynalite has no transactions: this front answers TransactWriteItems with DynamoDB's semantics.
  const client = new DynamoDBClient({ endpoint, region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  try {
    await ensureTable(endpoint, opts.tableName);
    const transactions = new LocalTransactions(client, {
      dir: opts.dataDir ? `${opts.dataDir}/transactions` : undefined,
      keyAttributes: [TABLE.partitionKey, TABLE.sortKey],
      probe: opts.transactionProbe,
    });
    await transactions.recover();
    transactions.attach(server);
    // dynalite answers any origin (`Access-Control-Allow-Origin: *`) and ignores signatures: browsers are refused first.
    guardFromBrowsers(server);
  } catch (err) {
    client.destroy();
    await close();
    throw err;
  }
  return {
    endpoint,
    close: () => {
      client.destroy();
      return close();
    },
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
