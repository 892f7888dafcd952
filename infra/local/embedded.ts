import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { MACHINES, machinePlaceholder, type MachineKey } from "../../app/dispatch/machines.js";
import { TASK_LIST, type TaskPlaceholder } from "../../app/tasks/registry.js";
import { tableName } from "../../app/store/table.js";
import type { Substitutions } from "../substitutions.js";
import { dataDirHolder, DataDirInUseError, type LockHolder } from "./data-dir-lock.js";
import { startLocalDynamo } from "./dynamo-store.js";
import { LOCAL_ACCOUNT, LOCAL_REGION, localFunctionArn } from "./functions.js";
import { failedExecutionMessage } from "../../app/notifications/failed-execution.js";
import { parentName } from "../../app/executions/query.js";
import type { TransactionProbe } from "./dynamo-transactions.js";
import { SnsOutbox, type OutboxMessage } from "./sns-outbox.js";
import { startLocalStepFunctions, type EndpointOptions, type MachineType } from "./stepfunctions-endpoint.js";
import { backend, readEnv } from "../../app/env.js";
import { checkAwsRegion } from "../../app/aws-region.js";
import { checkDataDirUsable } from "../../app/data-dir.js";

export const MACHINES_DIR = fileURLToPath(new URL("../../machines", import.meta.url));
export const LOCAL_TOPIC_ARN = `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:org-flows-notifications`;

export function dataDir(): string {
  return resolve(readEnv().DATA_DIR);
}

export function localSubstitutions(table: string): Substitutions {
  return {
    ...(Object.fromEntries(TASK_LIST.map((t) => [t.placeholder, localFunctionArn(t.functionName)])) as Record<TaskPlaceholder, string>),
    TableName: table,
    TopicArn: LOCAL_TOPIC_ARN,
    ...Object.fromEntries(
      (Object.keys(MACHINES) as MachineKey[]).map((k) => [
        machinePlaceholder(k),
        `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${MACHINES[k].name}`,
      ]),
    ),
  } as Substitutions;
}

export interface Embedded {
  sfnEndpoint: string;
  dynamoEndpoint: string;
  outbox: SnsOutbox;
  dataDir: string | undefined;
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** undefined: in memory (tests). */
  dataDir?: string;
  resume?: boolean;
  retryIntervalMs?: number;
  log?: (msg: string) => void;
  onPublish?: (m: OutboxMessage) => void;
  /** Write `<dataDir>/endpoints.json` so that CLIs find this process's endpoints while it runs. */
  advertise?: boolean;
  taskTimeoutMs?: number;
  /** machine name -> STANDARD | EXPRESS (default STANDARD, as deployed) */
  types?: Record<string, MachineType>;
  expressLimitMs?: number;
  /** fault injection, for tests */
  taskProbe?: EndpointOptions["taskProbe"];
  eventProbe?: EndpointOptions["eventProbe"];
  transactionProbe?: TransactionProbe;
}

/**
 * Starts the embedded default: dynalite, the SNS outbox and the Step Functions endpoint, then points this
 * process's AWS SDK clients at them through the standard variables. Handlers and CLIs stay unaware of it.
 */
export async function startEmbedded(opts: EmbeddedOptions = {}): Promise<Embedded> {
  const table = tableName();
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const dynamo = await startLocalDynamo({
    dataDir: opts.dataDir,
    tableName: table,
    role: opts.advertise ? "server" : "command",
    transactionProbe: opts.transactionProbe,
  });
  const outbox = new SnsOutbox(opts.dataDir, opts.onPublish);
  const dynamoClient = new DynamoDBClient({ endpoint: dynamo.endpoint, region: LOCAL_REGION, credentials: { accessKeyId: "local", secretAccessKey: "local" } });
  const sfn = await startLocalStepFunctions({
    machinesDir: MACHINES_DIR,
    machines: Object.values(MACHINES).filter((m) => existsSync(`${MACHINES_DIR}/${m.file}`)),
    substitutions: localSubstitutions(table),
    deps: { dynamo: dynamoClient, outbox },
    dataDir: opts.dataDir,
    resume: opts.resume,
    retryIntervalMs: opts.retryIntervalMs,
    taskTimeoutMs: opts.taskTimeoutMs,
    types: opts.types,
    expressLimitMs: opts.expressLimitMs,
    taskProbe: opts.taskProbe,
    eventProbe: opts.eventProbe,
    // The local counterpart of the stack's EventBridge rule: Standard executions that end unsuccessfully are notified,
    // once per top-level execution: a child's failure is summarised by its parent (counted, or failing it in turn).
    onFailure: (rec) =>
      parentName(rec.input) === "" &&
      outbox.publish({
        TopicArn: LOCAL_TOPIC_ARN,
        Message: failedExecutionMessage({
          status: rec.status,
          stateMachineArn: rec.stateMachineArn,
          name: rec.name,
          error: rec.error ?? "",
          cause: rec.cause ?? "",
        }),
        MessageAttributes: { outcome: { StringValue: "failure" } },
      }),
    log: opts.log,
  });
  pointSdkAt({ sfn: sfn.endpoint, dynamodb: dynamo.endpoint, machineArns: sfn.machineArns, table });
  const endpointsFile = opts.dataDir ? `${opts.dataDir}/endpoints.json` : undefined;
  if (opts.advertise && endpointsFile) {
    writeFileSync(endpointsFile, JSON.stringify({ pid: process.pid, sfn: sfn.endpoint, dynamodb: dynamo.endpoint, machineArns: sfn.machineArns, table }));
  }
  return {
    sfnEndpoint: sfn.endpoint,
    dynamoEndpoint: dynamo.endpoint,
    outbox,
    dataDir: opts.dataDir,
    idle: () => sfn.idle(),
    async stop() {
      await sfn.idle();
      await sfn.close();
      dynamoClient.destroy();
      await dynamo.close();
      if (opts.advertise && endpointsFile && existsSync(endpointsFile)) rmSync(endpointsFile);
    },
  };
}

interface Advertised {
  pid: number;
  sfn: string;
  dynamodb: string;
  machineArns: Record<string, string>;
  table: string;
}

function pointSdkAt(a: Omit<Advertised, "pid">): void {
  process.env.AWS_ENDPOINT_URL_SFN = a.sfn;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = a.dynamodb;
  process.env.AWS_REGION ??= LOCAL_REGION;
  // The loopback endpoints do not check signatures, but the SDK will not sign without some credentials.
  process.env.AWS_ACCESS_KEY_ID ??= "local";
  process.env.AWS_SECRET_ACCESS_KEY ??= "local";
  process.env.TABLE_NAME ??= a.table;
  for (const m of Object.values(MACHINES)) {
    const arn = a.machineArns[m.name];
    if (arn) process.env[m.env] = arn;
  }
}

/** How long a command waits for another command to finish with the data folder (or a server to advertise). */
export const CLI_WAIT_MS = 15_000;

function advertisedBy(dir: string, holder: LockHolder | undefined): Advertised | undefined {
  if (holder?.role !== "server") return undefined;
  try {
    const a = JSON.parse(readFileSync(`${dir}/endpoints.json`, "utf8")) as Advertised;
    // The file of a server that died is left behind: only the live holder's endpoints count.
    return a.pid === holder.pid ? a : undefined;
  } catch {
    return undefined; // not written yet (the server is starting) or partial
  }
}

/**
 * For the command-line tools: use AWS when it is configured (the one rule of app/env.ts); else the running server's advertised endpoints;
 * else open the data folder just for this command. Executions an earlier command left RUNNING (Ctrl-C, a crash) are
 * resumed then, and the command waits for every execution it runs to end before it exits. Any number of commands
 * share one DATA_DIR: while another command holds it, this one waits its turn (commands are short); after
 * CLI_WAIT_MS it stops with one line naming the holder. A DATA_DIR that does not exist or cannot be used is refused.
 */
export async function connectForCli(
  opts: { waitMs?: number; io?: { err: { write(s: string): unknown } } } = {},
): Promise<{ close(): Promise<void>; mode: "aws" | "server" | "own" }> {
  const err = opts.io?.err ?? process.stderr;
  if (backend() === "aws") {
    await checkAwsRegion();
    return withInterrupt({ mode: "aws", close: async () => {} }, err, undefined);
  }
  const dir = dataDir();
  checkDataDirUsable(dir, { create: false });
  const until = Date.now() + (opts.waitMs ?? CLI_WAIT_MS);
  for (;;) {
    const holder = dataDirHolder(dir);
    const a = advertisedBy(dir, holder);
    if (a) {
      pointSdkAt(a);
      return withInterrupt({ mode: "server", close: async () => {} }, err, a.pid);
    }
    if (!holder) {
      try {
        const embedded = await startEmbedded({ dataDir: dir, resume: true, log: (m) => m.startsWith("resuming") && err.write(`${m}\n`) });
        return withInterrupt({ mode: "own", close: () => embedded.stop() }, err, undefined, () => embedded.idle());
      } catch (e) {
        if (!(e instanceof DataDirInUseError)) throw e;
        // taken by another process in between: look again
      }
    }
    if (Date.now() >= until) throw new DataDirInUseError(dir, dataDirHolder(dir) ?? { pid: 0, role: "unknown" });
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The one line Ctrl-C prints in a command: what becomes of the executions it started. */
export function interruptLine(mode: "aws" | "server" | "own", serverPid: number | undefined): string {
  if (mode === "aws") return "interrupted: the executions go on in AWS Step Functions (npx org-flows executions lists them)";
  if (mode === "server") return `interrupted: the executions go on in npx org-flows start (pid ${serverPid ?? "?"})`;
  return (
    "interrupted: the executions this command runs go on here until they end; Ctrl-C again leaves them RUNNING, " +
    "to resume the next time a command or npx org-flows start opens DATA_DIR"
  );
}

/**
 * Ctrl-C in a command: one line saying what happens next, exit 130. On its own data folder the command first lets
 * its executions end (a second Ctrl-C leaves at once; what is left RUNNING resumes the next time DATA_DIR is opened).
 */
function withInterrupt<T extends { close(): Promise<void>; mode: "aws" | "server" | "own" }>(
  conn: T,
  err: { write(s: string): unknown },
  serverPid: number | undefined,
  idle?: () => Promise<void>,
): T {
  let interrupted = false;
  const onSigint = (): void => {
    if (interrupted) process.exit(130);
    interrupted = true;
    err.write(`${interruptLine(conn.mode, serverPid)}\n`);
    if (!idle) process.exit(130);
    // The command's own work stops following; the executions are left to end (the store saves each as it ends).
    void idle().finally(() => process.exit(130));
  };
  process.on("SIGINT", onSigint);
  const close = conn.close.bind(conn);
  return {
    ...conn,
    async close() {
      try {
        await close();
      } finally {
        process.removeListener("SIGINT", onSigint);
      }
    },
  };
}
