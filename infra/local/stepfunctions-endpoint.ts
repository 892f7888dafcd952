import "../../app/polyfills.js";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { refuseBrowserRequest } from "./browser-guard.js";
import type { AddressInfo } from "node:net";
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { isUnsuccessful } from "../../app/executions/status.js";
import { readBody } from "../../app/server/read-body.js";
import { taskStates } from "../asl.js";
import { substitute, type Substitutions } from "../substitutions.js";
import { ExecutionStore, type ExecutionRecord, type HistoryEventRecord } from "./execution-store.js";
import { LOCAL_ACCOUNT, LOCAL_REGION } from "./functions.js";
import { HistoryModel, type LocalEvent } from "./event-log-history.js";
import { withNegatedTypeTests } from "./choice-rules.js";
import { executionArnOf } from "../../app/executions/sfn-client.js";
import { HISTORY_EVENT_LIMIT, isRedriveEntryEvent, notRedrivableReason, redriveDefinition, redrivenEvent, redrivePoint } from "./redrive.js";
import {
  buildTaskHandlers,
  dataLimitCause,
  MAX_STATE_PAYLOAD_BYTES,
  StatesError,
  SYNC_CHILD_RESOURCE,
  withoutTaskTimeouts,
  type RouterDeps,
  type TaskProbe,
} from "./task-router.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export type MachineType = "STANDARD" | "EXPRESS";

interface LocalMachine {
  name: string;
  arn: string;
  type: MachineType;
  definition: StateMachineDefinition;
  definitionText: string;
  /** by start state: the definition as written (its StartAt), or the redrive entry to a state (`redrive:<state>`) */
  runners: Map<string, StateMachine>;
  handlers: ReturnType<typeof buildTaskHandlers>;
  /** it has startExecution.sync:2 tasks: each execution gets handlers that know it as the parent */
  startsChildren: boolean;
  resources: Record<string, string>;
  createdAt: number;
}

/** The longest timer Node keeps (2^31-1 ms), in whole seconds. */
export const MAX_TIMER_SECONDS = Math.floor(0x7fffffff / 1000);

/** Express workflows stop at 5 minutes (Step Functions quotas), whatever the definition says. */
export const EXPRESS_LIMIT_MS = 5 * 60 * 1000;

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
  /** Task timeouts in ms in place of each TimeoutSeconds, for tests. */
  taskTimeoutMs?: number;
  /** STANDARD unless named here, as the stack deploys them (`-c workflowRunCostType=EXPRESS`). */
  types?: Record<string, MachineType>;
  /** The Express limit, shortened in tests. */
  expressLimitMs?: number;
  /** Called when a Standard execution ends FAILED, TIMED_OUT or ABORTED: the local EventBridge status-change rule. */
  onFailure?: (rec: ExecutionRecord) => void;
  /** Fault injection in tests: around every task, and at every history event as it is recorded. */
  taskProbe?: TaskProbe;
  eventProbe?: (event: HistoryEventRecord, rec: ExecutionRecord) => void;
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
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
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
  /** by execution ARN: what settles when it ends, and how to stop it */
  const running = new Map<string, { done: Promise<void>; abort(): void }>();
  const machines = new Map<string, LocalMachine>();
  const stateMachineArn = (name: string): string => `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${name}`;

  /** by parent execution ARN: the child executions its startExecution.sync:2 tasks are waiting on */
  const children = new Map<string, Set<string>>();
  /** by execution ARN: the error and cause a StopExecution gave, until the stopped run has ended */
  const stopReasons = new Map<string, { error?: string; cause?: string }>();

  /** The history's ExecutionAborted event, with the error and cause StopExecution was given (AWS records them). */
  function stopAbortedEvent(rec: ExecutionRecord): void {
    const reason = stopReasons.get(rec.executionArn) ?? {};
    const details = { ...(reason.error ? { error: reason.error } : {}), ...(reason.cause ? { cause: reason.cause } : {}) };
    const last = rec.events.at(-1);
    if (last?.type === "ExecutionAborted") last.executionAbortedEventDetails = details;
    else
      rec.events.push({
        id: rec.events.length + 1,
        previousEventId: rec.events.length,
        timestamp: rec.stopDate ?? Date.now() / 1000,
        type: "ExecutionAborted",
        executionAbortedEventDetails: details,
      });
  }
  const taskOptions = { probe: opts.taskProbe, timeoutMs: opts.taskTimeoutMs };
  const deps: RouterDeps = { ...opts.deps, startChild: (params) => startChild(params, undefined) };
  for (const m of opts.machines) {
    const definitionText = substitute(readFileSync(`${opts.machinesDir}/${m.file}`, "utf8"), opts.substitutions);
    const definition = JSON.parse(definitionText) as StateMachineDefinition;
    machines.set(stateMachineArn(m.name), {
      name: m.name,
      arn: stateMachineArn(m.name),
      type: opts.types?.[m.name] ?? "STANDARD",
      definition,
      definitionText,
      runners: new Map([[definition.StartAt, runnerFor(definition)]]),
      handlers: buildTaskHandlers(definition, deps, taskOptions),
      startsChildren: [...taskStates(definition)].some(([, task]) => task.Resource === SYNC_CHILD_RESOURCE),
      resources: Object.fromEntries([...taskStates(definition)].map(([name, task]) => [name, task.Resource ?? ""])),
      createdAt: Date.now() / 1000,
    });
  }

  function runnerFor(definition: StateMachineDefinition): StateMachine {
    // Validation happens once per start state (it costs ~100 ms), not per execution. Task timeouts are enforced by
    // the task handlers, as AWS reports them (States.Timeout with no Cause).
    const def = withNegatedTypeTests(withoutTaskTimeouts({ ...definition }));
    // Node's timers hold at most 2^31-1 ms (~24.8 days) and fire at once beyond it; AWS allows up to a year.
    if (typeof def.TimeoutSeconds === "number") def.TimeoutSeconds = Math.min(def.TimeoutSeconds, MAX_TIMER_SECONDS);
    return new StateMachine(def, { validationOptions: { checkPaths: true, checkArn: true } });
  }

  /** The engine for a run of `m`: as written, or entered at a redrive's state. Throws when the engine refuses it. */
  function runnerOf(m: LocalMachine, redriveFrom: string | undefined): StateMachine {
    const key = redriveFrom === undefined ? m.definition.StartAt : `redrive:${redriveFrom}`;
    let runner = m.runners.get(key);
    if (!runner) {
      runner = runnerFor(redriveFrom === undefined ? m.definition : redriveDefinition(m.definition, redriveFrom));
      m.runners.set(key, runner);
    }
    return runner;
  }

  function run(m: LocalMachine, rec: ExecutionRecord): void {
    const from = rec.resumeFrom;
    const runner = runnerOf(m, from?.state);
    const input = JSON.parse(from?.input ?? rec.input) as Json;
    const retryIntervalOverrides =
      opts.retryIntervalMs === undefined ? undefined : Object.fromEntries(Object.keys(m.resources).map((k) => [k, opts.retryIntervalMs!]));
    /** A failure no Catch can handle (AWS's terminal errors: the history limit, States.DataLimitExceeded): it ends the run. */
    let terminal: { error: string; cause: string } | undefined;
    const failTerminal = (error: string, cause: string): void => {
      if (terminal) return;
      terminal = { error, cause };
      execution.abort();
    };
    const handlers = buildTaskHandlers(m.definition, m.startsChildren ? { ...deps, startChild: (params) => startChild(params, rec.executionArn) } : deps, {
      ...taskOptions,
      terminal: (e) => failTerminal(e.name, e.message),
    });
    const execution = runner.run(input, {
      overrides: { taskResourceLocalHandlers: handlers, retryIntervalOverrides },
      context: {
        Execution: {
          Id: rec.executionArn,
          Name: rec.name,
          StartTime: new Date(rec.startDate * 1000).toISOString(),
          Input: JSON.parse(rec.input) as Json,
          RoleArn: "",
          // AWS's context object: how many times this execution was redriven (0 before any), and when last.
          RedriveCount: rec.redriveCount ?? 0,
          ...(rec.redriveDate === undefined ? {} : { RedriveTime: new Date(rec.redriveDate * 1000).toISOString() }),
        },
        StateMachine: { Id: m.arn, Name: m.name },
      },
    });
    // A redriven execution keeps its history and goes on after it, as on AWS (the limit counts both parts).
    const events: HistoryEventRecord[] = from ? [...rec.events] : [];
    const model = new HistoryModel(m.resources);
    const collect = (async () => {
      for await (const ev of execution.eventLogs) {
        // After a terminal failure the engine only reports its own abort: AWS's history ends with ExecutionFailed.
        if (terminal) continue;
        for (const h of model.convert(ev as LocalEvent)) {
          // The redriven part starts at the failed state, not with a second ExecutionStarted.
          if (from && (h.type === "ExecutionStarted" || isRedriveEntryEvent(h as HistoryEventRecord))) continue;
          // AWS's quota: event 25,000 is the ExecutionFailed that ends the execution, whatever comes next.
          if (events.length >= HISTORY_EVENT_LIMIT - 1 && !h.type.startsWith("Execution")) {
            failTerminal("States.Runtime", `The execution reached the maximum number of history events (${HISTORY_EVENT_LIMIT}).`);
            break;
          }
          const output = (h.stateExitedEventDetails as { output?: string } | undefined)?.output;
          // Measured on the text already made for the event: the size check costs no second serialisation.
          if (output !== undefined && output.length > MAX_STATE_PAYLOAD_BYTES / 4 && Buffer.byteLength(output) > MAX_STATE_PAYLOAD_BYTES) {
            failTerminal("States.DataLimitExceeded", dataLimitCause(String((h.stateExitedEventDetails as { name?: string }).name)));
            break;
          }
          const numbered = { ...h, id: events.length + 1, previousEventId: events.length } as HistoryEventRecord;
          events.push(numbered);
          opts.eventProbe?.(numbered, rec);
        }
      }
    })();
    let expressTimer: NodeJS.Timeout | undefined;
    let expressTimedOut = false;
    if (m.type === "EXPRESS") {
      expressTimer = setTimeout(() => {
        expressTimedOut = true;
        execution.abort();
      }, opts.expressLimitMs ?? EXPRESS_LIMIT_MS);
    }
    const done = (async () => {
      delete rec.error;
      delete rec.cause;
      try {
        const output = await execution.result;
        Object.assign(rec, { status: "SUCCEEDED", output: JSON.stringify(output) });
      } catch (err) {
        const e = err as Error & { cause?: { name?: string; message?: string } };
        if (terminal) {
          Object.assign(rec, { status: "FAILED", error: terminal.error, cause: terminal.cause });
        } else if (expressTimedOut || e.name === "ExecutionTimeoutError") {
          Object.assign(rec, { status: "TIMED_OUT", error: "States.Timeout" });
        } else if (e.name === "ExecutionAbortedError") {
          rec.status = "ABORTED";
          const reason = stopReasons.get(rec.executionArn);
          if (reason?.error) rec.error = reason.error;
          if (reason?.cause) rec.cause = reason.cause;
        } else {
          const inner = e.cause ?? e;
          rec.status = "FAILED";
          rec.error = inner.name ?? "Error";
          if (inner.message) rec.cause = inner.message;
        }
      } finally {
        clearTimeout(expressTimer);
      }
      await collect.catch(() => {});
      rec.stopDate = Date.now() / 1000;
      if (terminal) {
        Object.assign(rec, { status: "FAILED", error: terminal.error, cause: terminal.cause });
        delete rec.output;
        events.push({
          id: events.length + 1,
          previousEventId: events.length,
          timestamp: rec.stopDate,
          type: "ExecutionFailed",
          executionFailedEventDetails: { error: terminal.error, cause: terminal.cause },
        });
      }
      rec.events = events;
      if (rec.status === "ABORTED") {
        stopAbortedEvent(rec);
        stopReasons.delete(rec.executionArn);
      }
      delete rec.resumeFrom;
      const last = events.at(-1);
      if (rec.status === "FAILED" && last?.type === "ExecutionFailed") {
        const d = last.executionFailedEventDetails as { error?: string; cause?: string } | undefined;
        if (d?.error) rec.error = d.error;
        // AWS leaves out a cause it was not given (a task timeout, a Fail state without Cause): so does this.
        if (d?.cause !== undefined) rec.cause = d.cause;
        else delete rec.cause;
      }
      store.save(rec);
      log(`execution ${rec.name}: ${rec.status}${rec.error ? ` (${rec.error})` : ""}`);
      // As on AWS: a startExecution.sync:2 task that ends without its child (the parent stopped, timed out, or a
      // Map it runs in failed) stops the child execution, which stops its own children in turn.
      for (const child of children.get(rec.executionArn) ?? []) running.get(child)?.abort();
      children.delete(rec.executionArn);
      if (m.type === "STANDARD" && isUnsuccessful(rec.status)) {
        try {
          opts.onFailure?.(rec);
        } catch (err) {
          log(`could not notify the end of ${rec.name}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    })().finally(() => running.delete(rec.executionArn));
    running.set(rec.executionArn, { done, abort: () => execution.abort() });
  }

  /**
   * `arn:aws:states:::states:startExecution.sync:2`: start the child through the same StartExecution as the API (so
   * a same-name start is refused or joined exactly as AWS does it), wait for its end, and answer as Step Functions
   * does: the DescribeExecution fields with `Input`/`Output` as JSON on success; `States.TaskFailed` with that
   * description (Error, Cause) as the cause otherwise; a refused start as `StepFunctions.<Type>Exception`.
   */
  async function startChild(params: { StateMachineArn?: string; Name?: string; Input?: Json }, parentArn: string | undefined): Promise<Json> {
    const input = typeof params.Input === "string" ? params.Input : JSON.stringify(params.Input ?? {});
    let started: { executionArn: string };
    try {
      started =
        succeededChild(params, input, parentArn) ??
        (ops.StartExecution!({ stateMachineArn: params.StateMachineArn, name: params.Name, input }) as { executionArn: string });
    } catch (err) {
      if (err instanceof ApiError) throw new StatesError(`StepFunctions.${err.type}Exception`, err.message);
      throw err;
    }
    let rec = store.get(started.executionArn)!;
    const waiting = parentArn === undefined ? undefined : (children.get(parentArn) ?? children.set(parentArn, new Set()).get(parentArn)!);
    waiting?.add(rec.executionArn);
    try {
      while (rec.status === "RUNNING") {
        const handle = running.get(rec.executionArn);
        if (handle) await handle.done;
        else await new Promise((resolve) => setTimeout(resolve, 50));
        rec = store.get(started.executionArn)!;
      }
    } finally {
      waiting?.delete(started.executionArn);
    }
    const described: Record<string, Json> = {
      ExecutionArn: rec.executionArn,
      Input: JSON.parse(rec.input) as Json,
      InputDetails: { Included: true },
      Name: rec.name,
      StartDate: Math.round(rec.startDate * 1000),
      StateMachineArn: rec.stateMachineArn,
      Status: rec.status,
      StopDate: Math.round((rec.stopDate ?? Date.now() / 1000) * 1000),
    };
    if (rec.status === "SUCCEEDED") return { ...described, Output: JSON.parse(rec.output ?? "null") as Json, OutputDetails: { Included: true } };
    throw new StatesError(
      "States.TaskFailed",
      JSON.stringify({ ...described, ...(rec.error ? { Error: rec.error } : {}), ...(rec.cause !== undefined ? { Cause: rec.cause } : {}) }),
    );
  }

  /**
   * In a redriven parent, an inline Map runs only its iterations that did not succeed (AWS); this engine runs the Map
   * again, so a child an earlier attempt's iteration ran to success is joined (its result stands, nothing runs
   * again). Any other name already used is refused by StartExecution, as AWS refuses it: a machine that starts
   * children from a state a redrive can run again names them with `$$.Execution.RedriveCount`.
   */
  function succeededChild(
    params: { StateMachineArn?: string; Name?: string },
    input: string,
    parentArn: string | undefined,
  ): { executionArn: string } | undefined {
    const parent = parentArn === undefined ? undefined : store.get(parentArn);
    if (!parent?.redriveCount || !params.StateMachineArn || !params.Name) return undefined;
    const childArn = executionArnOf(params.StateMachineArn, params.Name);
    const child = store.get(childArn);
    return child?.status === "SUCCEEDED" && child.input === input ? { executionArn: childArn } : undefined;
  }

  /** Ends an execution that is RUNNING in the store but not in this process (its process ended): as AWS, ABORTED. */
  function abortOrphan(rec: ExecutionRecord): void {
    rec.status = "ABORTED";
    rec.stopDate = Date.now() / 1000;
    delete rec.resumeFrom;
    stopAbortedEvent(rec);
    stopReasons.delete(rec.executionArn);
    const reason = rec.events.at(-1)?.executionAbortedEventDetails as { error?: string; cause?: string };
    if (reason.error) rec.error = reason.error;
    if (reason.cause) rec.cause = reason.cause;
    store.save(rec);
    log(`execution ${rec.name}: ABORTED`);
    if (machines.get(rec.stateMachineArn)?.type === "STANDARD") opts.onFailure?.(rec);
  }

  /** DescribeExecution and GetExecutionHistory are Standard only: an Express execution's ARN is refused, as on AWS. */
  function refuseExpressArn(executionArn: unknown): void {
    const arn = String(executionArn ?? "");
    if (/^arn:aws:states:[^:]*:[^:]*:express:/.test(arn)) throw new ApiError("InvalidArn", `Invalid Arn: 'Resource type not valid in this context: express'`);
  }

  const ops: Record<string, (body: Record<string, unknown>) => unknown> = {
    StartExecution(body) {
      const arn = String(body.stateMachineArn ?? "");
      const m = machines.get(arn);
      if (!m) throw new ApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
      const name = body.name === undefined ? crypto.randomUUID() : String(body.name);
      if (!NAME_RE.test(name)) throw new ApiError("InvalidName", `Invalid Name: '${name}'`);
      const input = body.input === undefined ? "{}" : String(body.input);
      // The API's length constraint on `input` (262,144 bytes in UTF-8), answered as AWS's request validation does.
      if (Buffer.byteLength(input) > MAX_STATE_PAYLOAD_BYTES)
        throw new ApiError(
          "ValidationException",
          `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_STATE_PAYLOAD_BYTES}`,
        );
      try {
        JSON.parse(input);
      } catch {
        throw new ApiError("InvalidExecutionInput", "Invalid State Machine Execution Input: not JSON");
      }
      let executionArn = executionArnOf(arn, name);
      if (m.type === "EXPRESS") {
        // Express: no deduplication by name (each start is a new execution), and its ARN says so, as on AWS.
        executionArn = `${arn.replace(":stateMachine:", ":express:")}:${name}:${crypto.randomUUID()}`;
      } else {
        const existing = store.get(executionArn);
        if (existing) {
          // As in AWS: same name and input while running answers with the running execution; anything else is refused.
          if (existing.status === "RUNNING" && existing.input === input) return { executionArn, startDate: existing.startDate };
          throw new ApiError("ExecutionAlreadyExists", `Execution Already Exists: '${executionArn}'`);
        }
      }
      const rec: ExecutionRecord = { executionArn, stateMachineArn: arn, name, status: "RUNNING", startDate: Date.now() / 1000, input, events: [] };
      store.save(rec);
      run(m, rec);
      return { executionArn, startDate: rec.startDate };
    },
    DescribeExecution(body) {
      refuseExpressArn(body.executionArn);
      const rec = store.get(String(body.executionArn ?? ""));
      if (!rec) throw new ApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${String(body.executionArn)}'`);
      const { events: _events, resumeFrom: _from, ...rest } = rec;
      const m = machines.get(rec.stateMachineArn);
      const reason = notRedrivableReason(rec, m?.type ?? "STANDARD", Date.now() / 1000);
      return {
        ...rest,
        redriveCount: rec.redriveCount ?? 0,
        redriveStatus: reason ? "NOT_REDRIVABLE" : "REDRIVABLE",
        ...(reason ? { redriveStatusReason: reason } : {}),
      };
    },
    StopExecution(body) {
      const arn = String(body.executionArn ?? "");
      const rec = store.get(arn);
      if (!rec) throw new ApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
      if (rec.status !== "RUNNING") return { stopDate: rec.stopDate ?? Date.now() / 1000 };
      stopReasons.set(arn, {
        ...(body.error === undefined ? {} : { error: String(body.error) }),
        ...(body.cause === undefined ? {} : { cause: String(body.cause) }),
      });
      const handle = running.get(arn);
      if (handle) handle.abort();
      else abortOrphan(rec);
      return { stopDate: Date.now() / 1000 };
    },
    RedriveExecution(body) {
      const arn = String(body.executionArn ?? "");
      const rec = store.get(arn);
      if (!rec) throw new ApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
      const m = machines.get(rec.stateMachineArn);
      if (!m) throw new ApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${rec.stateMachineArn}'`);
      const now = Date.now() / 1000;
      const reason = notRedrivableReason(rec, m.type, now);
      if (reason) throw new ApiError("ExecutionNotRedrivable", reason);
      const from = redrivePoint(m.definition, rec.events);
      if (!from) throw new ApiError("ExecutionNotRedrivable", `Execution '${arn}' has no unsuccessful state to redrive from`);
      // Built (and validated) before anything changes: a redrive the engine cannot run leaves the execution as it was.
      try {
        runnerOf(m, from.state);
      } catch (err) {
        throw new ApiError(
          "ExecutionNotRedrivable",
          `the embedded engine cannot redrive from ${from.state}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      rec.redriveCount = (rec.redriveCount ?? 0) + 1;
      rec.redriveDate = now;
      rec.status = "RUNNING";
      delete rec.stopDate;
      delete rec.error;
      delete rec.cause;
      delete rec.output;
      rec.resumeFrom = from;
      rec.events.push(redrivenEvent(rec, now));
      store.save(rec);
      run(m, rec);
      return { redriveDate: now };
    },
    ListExecutions(body) {
      const arn = String(body.stateMachineArn ?? "");
      if (!machines.has(arn)) throw new ApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
      // AWS keeps no execution list for Express workflows: their record is the machine's log (CloudWatch Logs).
      if (machines.get(arn)?.type === "EXPRESS")
        throw new ApiError("StateMachineTypeNotSupported", "This operation is not supported by this type of state machine");
      const filter = body.statusFilter ? String(body.statusFilter) : undefined;
      const all = store.list(arn).filter((e) => !filter || e.status === filter);
      return page(
        all,
        body,
        (e) => ({
          executionArn: e.executionArn,
          stateMachineArn: e.stateMachineArn,
          name: e.name,
          status: e.status,
          startDate: e.startDate,
          stopDate: e.stopDate,
          redriveCount: e.redriveCount ?? 0,
          redriveDate: e.redriveDate,
        }),
        "executions",
      );
    },
    GetExecutionHistory(body) {
      refuseExpressArn(body.executionArn);
      const rec = store.get(String(body.executionArn ?? ""));
      if (!rec) throw new ApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${String(body.executionArn)}'`);
      const events = body.reverseOrder ? [...rec.events].reverse() : rec.events;
      return page(events, body, (e) => e, "events");
    },
    ListStateMachines(body) {
      const all = [...machines.values()];
      return page(all, body, (m) => ({ stateMachineArn: m.arn, name: m.name, type: m.type, creationDate: m.createdAt }), "stateMachines");
    },
    DescribeStateMachine(body) {
      const m = machines.get(String(body.stateMachineArn ?? ""));
      if (!m) throw new ApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${String(body.stateMachineArn)}'`);
      return {
        stateMachineArn: m.arn,
        name: m.name,
        status: "ACTIVE",
        type: m.type,
        definition: m.definitionText,
        roleArn: `arn:aws:iam::${LOCAL_ACCOUNT}:role/local`,
        creationDate: m.createdAt,
      };
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
    if (refuseBrowserRequest(req, res)) return;
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
        // Run again from the start (or from its redrive point): the stricter case, and the machines are correct under it.
        log(`resuming execution ${rec.name} interrupted by a stop`);
        try {
          run(m, rec);
        } catch (err) {
          // One execution the engine cannot run again must not keep the server (or a command) from starting.
          log(`cannot resume execution ${rec.name}: ${err instanceof Error ? err.message : String(err)}; it is stopped`);
          stopReasons.set(rec.executionArn, { error: "States.Runtime", cause: "the embedded engine could not resume this execution" });
          abortOrphan(rec);
        }
      }
    }
  }

  return {
    endpoint: `http://127.0.0.1:${port}`,
    machineArns: Object.fromEntries([...machines.values()].map((m) => [m.name, m.arn])),
    async idle() {
      while (running.size > 0) await Promise.allSettled([...running.values()].map((r) => r.done));
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
