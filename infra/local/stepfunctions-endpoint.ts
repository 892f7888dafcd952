import "../../app/polyfills.js";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { readBody } from "../../app/server/read-body.js";
import { taskStates } from "../asl.js";
import { substitute, type Substitutions } from "../substitutions.js";
import { ExecutionStore, type ExecutionRecord, type HistoryEventRecord } from "./execution-store.js";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./functions.js";
import { toHistoryEvents, type LocalEvent } from "./history.js";
import { buildTaskHandlers, type RouterDeps } from "./task-router.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface LocalMachine {
  name: string;
  arn: string;
  definition: StateMachineDefinition;
  definitionText: string;
  machine: StateMachine;
  handlers: ReturnType<typeof buildTaskHandlers>;
  resources: Record<string, string>;
  createdAt: number;
}

export interface EndpointOptions {
  machinesDir: string;
  /** file name -> machine name */
  machines: Array<{ file: string; name: string }>;
  substitutions: Substitutions;
  deps: RouterDeps;
  dataDir?: string;
  /** Re-run executions found RUNNING in the data folder (the machines are idempotent, so this is safe). */
  resume?: boolean;
  /** Retry intervals in ms per state, for tests that should not wait for back-off. */
  retryIntervalMs?: number;
  log?: (msg: string) => void;
}

export interface LocalStepFunctions {
  endpoint: string;
  machineArns: Record<string, string>;
  /** Resolves when no execution is running. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

const NAME_RE = /^[A-Za-z0-9_-]{1,80}$/;

/**
 * A Step Functions-compatible endpoint (AWS JSON 1.0 protocol) on loopback that runs the project's ASL files with
 * aws-local-stepfunctions. The app and the CLIs reach it through the ordinary SFN client and AWS_ENDPOINT_URL_SFN.
 */
export async function startLocalStepFunctions(opts: EndpointOptions): Promise<LocalStepFunctions> {
  const log = opts.log ?? (() => {});
  const store = new ExecutionStore(opts.dataDir);
  const running = new Map<string, Promise<void>>();
  const machines = new Map<string, LocalMachine>();
  const stateMachineArn = (name: string): string => `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;

  for (const m of opts.machines) {
    const definitionText = substitute(readFileSync(`${opts.machinesDir}/${m.file}`, "utf8"), opts.substitutions);
    const definition = JSON.parse(definitionText) as StateMachineDefinition;
    // Validation happens once here (it costs ~100 ms), not per execution.
    const machine = new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } });
    machines.set(stateMachineArn(m.name), {
      name: m.name,
      arn: stateMachineArn(m.name),
      definition,
      definitionText,
      machine,
      handlers: buildTaskHandlers(definition, opts.deps),
      resources: Object.fromEntries([...taskStates(definition)].map(([name, task]) => [name, task.Resource ?? ""])),
      createdAt: Date.now() / 1000,
    });
  }

  function run(m: LocalMachine, rec: ExecutionRecord): void {
    const input = JSON.parse(rec.input) as Json;
    const retryIntervalOverrides =
      opts.retryIntervalMs === undefined ? undefined : Object.fromEntries(Object.keys(m.resources).map((k) => [k, opts.retryIntervalMs!]));
    const execution = m.machine.run(input, {
      overrides: { taskResourceLocalHandlers: m.handlers, retryIntervalOverrides },
      context: {
        Execution: { Id: rec.executionArn, Name: rec.name, StartTime: new Date(rec.startDate * 1000).toISOString(), Input: input, RoleArn: "" },
        StateMachine: { Id: m.arn, Name: m.name },
      },
    });
    const events: HistoryEventRecord[] = [];
    const collect = (async () => {
      for await (const ev of execution.eventLogs) {
        events.push(...toHistoryEvents(ev as LocalEvent, events.length + 1, m.resources));
      }
    })();
    const done = (async () => {
      try {
        const output = await execution.result;
        Object.assign(rec, { status: "SUCCEEDED", output: JSON.stringify(output) });
      } catch (err) {
        const e = err as Error & { cause?: { name?: string; message?: string } };
        const inner = e.cause ?? e;
        Object.assign(rec, { status: "FAILED", error: inner.name ?? "Error", cause: inner.message ?? String(err) });
      }
      await collect.catch(() => {});
      rec.stopDate = Date.now() / 1000;
      rec.events = events;
      const last = events.at(-1);
      if (rec.status === "FAILED" && last?.type === "ExecutionFailed") {
        const d = last.executionFailedEventDetails as { error?: string; cause?: string } | undefined;
        if (d?.error) rec.error = d.error;
        if (d?.cause) rec.cause = d.cause;
      }
      store.save(rec);
      log(`execution ${rec.name}: ${rec.status}${rec.error ? ` (${rec.error})` : ""}`);
    })().finally(() => running.delete(rec.executionArn));
    running.set(rec.executionArn, done);
  }

  const ops: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartExecution(body) {
      const arn = String(body.stateMachineArn ?? "");
      const m = machines.get(arn);
      if (!m) throw new ApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
      const name = body.name === undefined ? crypto.randomUUID() : String(body.name);
      if (!NAME_RE.test(name)) throw new ApiError("InvalidName", `Invalid Name: '${name}'`);
      const input = body.input === undefined ? "{}" : String(body.input);
      try {
        JSON.parse(input);
      } catch {
        throw new ApiError("InvalidExecutionInput", "Invalid State Machine Execution Input: not JSON");
      }
      const executionArn = `${arn.replace(":stateMachine:", ":execution:")}:${name}`;
      const existing = store.get(executionArn);
      if (existing) {
        // As in AWS: same name and input while running answers with the running execution; anything else is refused.
        if (existing.status === "RUNNING" && existing.input === input) return { executionArn, startDate: existing.startDate };
        throw new ApiError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
      }
      const rec: ExecutionRecord = { executionArn, stateMachineArn: arn, name, status: "RUNNING", startDate: Date.now() / 1000, input, events: [] };
      store.save(rec);
      run(m, rec);
      return { executionArn, startDate: rec.startDate };
    },
    DescribeExecution(body) {
      const rec = store.get(String(body.executionArn ?? ""));
      if (!rec) throw new ApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${String(body.executionArn)}'`);
      const { events: _events, ...rest } = rec;
      return rest;
    },
    ListExecutions(body) {
      const arn = String(body.stateMachineArn ?? "");
      if (!machines.has(arn)) throw new ApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
      const filter = body.statusFilter ? String(body.statusFilter) : undefined;
      const all = store.list(arn).filter((e) => !filter || e.status === filter);
      return page(all, body, (e) => ({ executionArn: e.executionArn, stateMachineArn: e.stateMachineArn, name: e.name, status: e.status, startDate: e.startDate, stopDate: e.stopDate }), "executions");
    },
    GetExecutionHistory(body) {
      const rec = store.get(String(body.executionArn ?? ""));
      if (!rec) throw new ApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${String(body.executionArn)}'`);
      const events = body.reverseOrder ? [...rec.events].reverse() : rec.events;
      return page(events, body, (e) => e, "events");
    },
    ListStateMachines(body) {
      const all = [...machines.values()];
      return page(all, body, (m) => ({ stateMachineArn: m.arn, name: m.name, type: "STANDARD", creationDate: m.createdAt }), "stateMachines");
    },
    DescribeStateMachine(body) {
      const m = machines.get(String(body.stateMachineArn ?? ""));
      if (!m) throw new ApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`);
      return { stateMachineArn: m.arn, name: m.name, status: "ACTIVE", type: "STANDARD", definition: m.definitionText, roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`, creationDate: m.createdAt };
    },
  };

  function page<T>(items: T[], body: Record<string, unknown>, map: (t: T) => unknown, key: string): Record<string, unknown> {
    const max = Math.min(Math.max(Number(body.maxResults) || 100, 1), 1000);
    const start = body.nextToken ? Number(Buffer.from(String(body.nextToken), "base64url").toString()) || 0 : 0;
    const slice = items.slice(start, start + max).map(map);
    const next = start + max < items.length ? Buffer.from(String(start + max)).toString("base64url") : undefined;
    return { [key]: slice, ...(next ? { nextToken: next } : {}) };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
      res.end(JSON.stringify(body));
    };
    try {
      const target = String(req.headers["x-amz-target"] ?? "");
      const op = target.startsWith("AWSStepFunctions.") ? ops[target.slice("AWSStepFunctions.".length)] : undefined;
      if (req.method !== "POST" || !op) throw new ApiError("UnknownOperationException", `Unsupported operation '${target}'`);
      const raw = await readBody(req, 1024 * 1024);
      if (!raw) throw new ApiError("ValidationException", "request too large");
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(raw.toString("utf8") || "{}") as Record<string, unknown>;
      } catch {
        throw new ApiError("SerializationException", "request body is not JSON");
      }
      send(200, op(body));
    } catch (err) {
      if (err instanceof ApiError) send(err.status, { __type: err.type, message: err.message });
      else send(500, { __type: "InternalServerError", message: err instanceof Error ? err.message : String(err) });
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  if (opts.resume) {
    for (const rec of store.list()) {
      const m = machines.get(rec.stateMachineArn);
      if (rec.status === "RUNNING" && m) {
        log(`resuming execution ${rec.name} interrupted by a stop`);
        rec.startDate = Date.now() / 1000;
        run(m, rec);
      }
    }
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    machineArns: Object.fromEntries([...machines.values()].map((m) => [m.name, m.arn])),
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running.values()]);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
