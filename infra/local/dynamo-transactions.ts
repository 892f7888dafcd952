import { createHash, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, fsyncSync, closeSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type TransactWriteItem,
} from "@aws-sdk/client-dynamodb";
import { readBody } from "../../app/server/read-body.js";

type Item = Record<string, AttributeValue>;

/** DynamoDB's own limits for TransactWriteItems (API reference, "TransactWriteItems"). */
export const TRANSACT_MAX_ITEMS = 100;
export const TRANSACT_MAX_TOKEN = 36;
/** How long DynamoDB remembers a ClientRequestToken. */
export const TOKEN_WINDOW_MS = 10 * 60 * 1000;

export interface CancellationReason {
  Code: "None" | "ConditionalCheckFailed" | "ValidationError";
  Message?: string;
  Item?: Item;
}

class DynamoApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Fault-injection points, for tests that kill the process in the middle of a commit. */
export type TransactionProbe = (point: "journaled" | "applied-one" | "applied-all" | "token-recorded") => void;

export interface TransactionsOptions {
  /** the folder that holds the journal and the remembered tokens; undefined: in memory */
  dir?: string;
  keyAttributes: readonly string[];
  probe?: TransactionProbe;
}

interface Journal {
  id: string;
  token?: string;
  hash: string;
  before: Array<{ table: string; key: Item; item: Item | null }>;
}

interface TokenRecord {
  hash: string;
  at: number;
}

function writeDurably(file: string, text: string): void {
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, text);
  const fd = openSync(tmp, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/**
 * TransactWriteItems for the embedded store. dynalite has no transactions, so this front gives the same semantics
 * on top of its single-item API: all or nothing, every condition checked against the state before the transaction,
 * TransactionCanceledException with one cancellation reason per item, and the ClientRequestToken's 10-minute
 * idempotency (same token and request: success without a second write; same token, other request:
 * IdempotentParameterMismatchException).
 *
 * Atomic under a crash too: the items' before-images are journaled (fsync) before the first write and the journal is
 * removed after the last; `recover()` puts back the before-images of a journal left by a killed process, so a commit
 * cut short is rolled back, never half applied. Transactions run one at a time; single-item writes from elsewhere
 * are not isolated from them (in this product only the state machines' transactions write the aggregates).
 */
export class LocalTransactions {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly journalDir: string | undefined;
  private readonly tokenDir: string | undefined;

  constructor(
    private readonly db: DynamoDBClient,
    private readonly opts: TransactionsOptions,
  ) {
    if (opts.dir) {
      this.journalDir = `${opts.dir}/journal`;
      this.tokenDir = `${opts.dir}/tokens`;
      mkdirSync(this.journalDir, { recursive: true });
      mkdirSync(this.tokenDir, { recursive: true });
    }
  }

  /** Rolls back any commit a killed process left half done. Call before serving requests. */
  async recover(): Promise<number> {
    if (!this.journalDir) return 0;
    let rolledBack = 0;
    for (const f of readdirSync(this.journalDir).filter((n) => n.endsWith(".json"))) {
      const path = `${this.journalDir}/${f}`;
      let journal: Journal;
      try {
        journal = JSON.parse(readFileSync(path, "utf8")) as Journal;
      } catch {
        // Cut short while being written: no item was touched yet (writes start after the rename).
        rmSync(path, { force: true });
        continue;
      }
      const committed = journal.token !== undefined && this.rememberedToken(journal.token)?.hash === journal.hash;
      if (!committed) {
        await this.restore(journal.before);
        rolledBack += 1;
      }
      rmSync(path, { force: true });
    }
    for (const f of readdirSync(this.journalDir).filter((n) => n.endsWith(".tmp"))) rmSync(`${this.journalDir}/${f}`, { force: true });
    return rolledBack;
  }

  /** Serialises transactions: the checks and writes of one never interleave with another's. */
  run(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const next = this.queue.then(() => this.transact(request));
    this.queue = next.catch(() => {});
    return next;
  }

  private rememberedToken(token: string): TokenRecord | undefined {
    let rec = this.tokens.get(token);
    if (!rec && this.tokenDir) {
      const file = `${this.tokenDir}/${tokenFile(token)}`;
      if (existsSync(file)) {
        try {
          rec = JSON.parse(readFileSync(file, "utf8")) as TokenRecord;
        } catch {
          rec = undefined;
        }
      }
    }
    if (rec && Date.now() - rec.at > TOKEN_WINDOW_MS) return undefined;
    return rec;
  }

  private remember(token: string, hash: string): void {
    const rec = { hash, at: Date.now() };
    this.tokens.set(token, rec);
    if (this.tokenDir) writeDurably(`${this.tokenDir}/${tokenFile(token)}`, JSON.stringify(rec));
  }

  private keyOf(item: Item): Item {
    const key: Item = {};
    for (const k of this.opts.keyAttributes) {
      const v = item[k];
      if (v === undefined) throw new DynamoApiError("ValidationException", `One of the required keys was not given a value: ${k}`);
      key[k] = v;
    }
    return key;
  }

  private async transact(request: Record<string, unknown>): Promise<Record<string, unknown>> {
    const items = request.TransactItems;
    if (!Array.isArray(items) || items.length === 0 || items.length > TRANSACT_MAX_ITEMS) {
      throw new DynamoApiError("ValidationException", `TransactItems must have between 1 and ${TRANSACT_MAX_ITEMS} items`);
    }
    const token = request.ClientRequestToken === undefined ? undefined : String(request.ClientRequestToken);
    if (token !== undefined && (token.length < 1 || token.length > TRANSACT_MAX_TOKEN)) {
      throw new DynamoApiError("ValidationException", `ClientRequestToken must be 1 to ${TRANSACT_MAX_TOKEN} characters`);
    }
    const hash = createHash("sha256").update(JSON.stringify(items)).digest("hex");
    if (token !== undefined) {
      const seen = this.rememberedToken(token);
      if (seen && seen.hash === hash) return {};
      if (seen)
        throw new DynamoApiError("IdempotentParameterMismatchException", "The request uses the same client token as a previous, but non-identical request.");
    }

    const ops = (items as TransactWriteItem[]).map((entry, i) => {
      const kinds = (["Put", "Update", "Delete", "ConditionCheck"] as const).filter((k) => entry[k] !== undefined);
      if (kinds.length !== 1)
        throw new DynamoApiError("ValidationException", `TransactItems[${i}] must have exactly one of Put, Update, Delete, ConditionCheck`);
      const kind = kinds[0]!;
      const op = entry[kind]!;
      const key = kind === "Put" ? this.keyOf((op as { Item: Item }).Item ?? {}) : this.keyOf((op as { Key: Item }).Key ?? {});
      return { kind, op, table: String(op.TableName), key };
    });
    const ids = new Set<string>();
    for (const o of ops) {
      const id = `${o.table}\u0000${JSON.stringify(o.key)}`;
      if (ids.has(id)) throw new DynamoApiError("ValidationException", "Transaction request cannot include multiple operations on one item");
      ids.add(id);
    }

    // Before-images, read consistently: what every condition is checked against and what a rollback restores.
    const before: Journal["before"] = [];
    // Distinct items (checked above), read together.
    const images = await Promise.all(ops.map((o) => this.db.send(new GetItemCommand({ TableName: o.table, Key: o.key, ConsistentRead: true }))));
    ops.forEach((o, i) => {
      before.push({ table: o.table, key: o.key, item: images[i]!.Item ?? null });
    });
    const journal: Journal = { id: randomUUID(), ...(token !== undefined ? { token } : {}), hash, before };
    const journalFile = this.journalDir ? `${this.journalDir}/${journal.id}.json` : undefined;
    if (journalFile) writeDurably(journalFile, JSON.stringify(journal));
    this.opts.probe?.("journaled");

    const reasons: CancellationReason[] = [];
    // One at a time, in order. An error that is not a condition failure (the store failing) puts every
    // before-image back before it is reported, so nothing is left half applied for a retry to add to again.
    for (const [i, o] of ops.entries()) {
      let reason: CancellationReason;
      try {
        reason = await this.apply(o.kind, o.op as unknown as Record<string, unknown>, before[i]!.item, o.key);
      } catch (err) {
        await this.restore(before);
        if (journalFile) rmSync(journalFile, { force: true });
        throw err;
      }
      reasons.push(reason);
      this.opts.probe?.("applied-one");
    }
    if (reasons.some((r) => r.Code !== "None")) {
      await this.restore(before);
      if (journalFile) rmSync(journalFile, { force: true });
      const codes = reasons.map((r) => r.Code).join(", ");
      throw new DynamoApiError("TransactionCanceledException", `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`, {
        CancellationReasons: reasons,
      });
    }
    this.opts.probe?.("applied-all");
    if (token !== undefined) this.remember(token, hash);
    this.opts.probe?.("token-recorded");
    if (journalFile) rmSync(journalFile, { force: true });
    return {};
  }

  /** One item's write, with its own condition; a failed condition or validation becomes that item's reason. */
  private async apply(
    kind: "Put" | "Update" | "Delete" | "ConditionCheck",
    op: Record<string, unknown>,
    current: Item | null,
    key: Item,
  ): Promise<CancellationReason> {
    const wantOld = op.ReturnValuesOnConditionCheckFailure === "ALL_OLD";
    const { ReturnValuesOnConditionCheckFailure: _r, ...params } = op;
    try {
      switch (kind) {
        case "Put":
          await this.db.send(new PutItemCommand(params as never));
          break;
        case "Update":
          await this.db.send(new UpdateItemCommand(params as never));
          break;
        case "Delete":
          await this.db.send(new DeleteItemCommand(params as never));
          break;
        case "ConditionCheck": {
          // Checked by a conditional write that changes nothing: the same image back, or a delete of an absent item.
          const base = {
            TableName: params.TableName,
            ConditionExpression: params.ConditionExpression,
            ExpressionAttributeNames: params.ExpressionAttributeNames,
            ExpressionAttributeValues: params.ExpressionAttributeValues,
          };
          if (current) await this.db.send(new PutItemCommand({ ...base, Item: current } as never));
          else await this.db.send(new DeleteItemCommand({ ...base, Key: key } as never));
          break;
        }
      }
      return { Code: "None" };
    } catch (err) {
      const name = err instanceof Error ? err.name : "";
      if (name === "ConditionalCheckFailedException") {
        return { Code: "ConditionalCheckFailed", Message: "The conditional request failed", ...(wantOld && current ? { Item: current } : {}) };
      }
      if (name === "ValidationException") return { Code: "ValidationError", Message: err instanceof Error ? err.message : String(err) };
      throw err;
    }
  }

  private async restore(before: Journal["before"]): Promise<void> {
    for (const b of before) {
      if (b.item) await this.db.send(new PutItemCommand({ TableName: b.table, Item: b.item }));
      else await this.db.send(new DeleteItemCommand({ TableName: b.table, Key: b.key }));
    }
  }

  /**
   * Puts this front before dynalite's own request handler: TransactWriteItems is answered here, every other
   * operation goes to dynalite unchanged.
   */
  attach(server: Server): void {
    const [original] = server.listeners("request") as Array<(req: IncomingMessage, res: ServerResponse) => void>;
    if (!original) throw new Error("the local store has no request handler to wrap");
    server.removeAllListeners("request");
    server.on("request", (req: IncomingMessage, res: ServerResponse) => {
      if (req.headers["x-amz-target"] !== "DynamoDB_20120810.TransactWriteItems") return original(req, res);
      void this.serve(req, res);
    });
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.0", "x-amzn-requestid": randomUUID() });
      res.end(JSON.stringify(body));
    };
    try {
      const raw = await readBody(req, 4 * 1024 * 1024);
      if (!raw) throw new DynamoApiError("ValidationException", "Transaction size has exceeded the maximum of 4 MB");
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw.toString("utf8")) as Record<string, unknown>;
      } catch {
        throw new DynamoApiError("SerializationException", "request body is not JSON");
      }
      send(200, await this.run(body));
    } catch (err) {
      if (err instanceof DynamoApiError) send(400, { __type: `com.amazonaws.dynamodb.v20120810#${err.type}`, message: err.message, ...err.extra });
      else send(500, { __type: "com.amazonaws.dynamodb.v20120810#InternalServerError", message: err instanceof Error ? err.message : String(err) });
    }
  }
}

function tokenFile(token: string): string {
  return `${createHash("sha256").update(token).digest("hex").slice(0, 32)}.json`;
}
