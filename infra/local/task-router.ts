import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type DeleteItemCommandInput,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type TransactWriteItemsCommandInput,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { taskStates, type AslMachine } from "../asl.js";
import { taskByFunctionName, type LambdaHandler } from "../../app/tasks/registry.js";
import type { SnsOutbox } from "./sns-outbox.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type TaskHandler = (input: Json) => Promise<Json>;

/** Step Functions caps execution input, every state's input and output and every integration result at 256 KiB (UTF-8). */
export const MAX_STATE_PAYLOAD_BYTES = 256 * 1024;

/** The cause AWS gives States.DataLimitExceeded for a state or task whose data is over the quota. */
export function dataLimitCause(state: string): string {
  return `The state/task '${state}' returned a result with a size exceeding the maximum number of bytes service limit.`;
}

/** SNS refuses a message (with its attributes) over 256 KB (262,144 bytes). */
export const MAX_SNS_MESSAGE_BYTES = 262_144;

export class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

function json(value: unknown): Json {
  return JSON.parse(JSON.stringify(value ?? null)) as Json;
}

/** Whether a task's data (after Parameters, or its integration's result) is over the quota. */
function overLimit(value: Json): boolean {
  return Buffer.byteLength(JSON.stringify(value)) > MAX_STATE_PAYLOAD_BYTES;
}

function functionName(arnOrName: string): string {
  const m = /:function:([^:]+)/.exec(arnOrName);
  return m ? m[1]! : arnOrName;
}

/** The Task resource of a child execution the task waits for. */
export const SYNC_CHILD_RESOURCE = "arn:aws:states:::states:startExecution.sync:2";

/** Starts a child execution on the same endpoint and settles with its end (`states:startExecution.sync:2`). */
export type ChildStarter = (params: { StateMachineArn?: string; Name?: string; Input?: Json }) => Promise<Json>;

export interface RouterDeps {
  dynamo: DynamoDBClient;
  outbox: SnsOutbox;
  /** set by the Step Functions endpoint itself */
  startChild?: ChildStarter;
}

/** lambda:invoke: the project's own handler module, with Lambda's JSON round trip, error shape and payload limit. */
function lambdaInvoke(): TaskHandler {
  const cache = new Map<string, LambdaHandler>();
  return async (input) => {
    const params = (input ?? {}) as { FunctionName?: string; Payload?: Json };
    const name = functionName(String(params.FunctionName ?? ""));
    const load = taskByFunctionName(name)?.load;
    if (!load) throw new StatesError("Lambda.ResourceNotFoundException", `Function not found: ${params.FunctionName}`);
    let handler = cache.get(name);
    if (!handler) {
      handler = await load();
      cache.set(name, handler);
    }
    let result: Json;
    try {
      result = json(await handler(json(params.Payload)));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      // Same Error/Cause shape as Step Functions reports for a failed Lambda.
      throw new StatesError(e.name, JSON.stringify({ errorType: e.name, errorMessage: e.message }));
    }
    return { ExecutedVersion: "$LATEST", StatusCode: 200, Payload: result };
  };
}

/**
 * The error names Step Functions gives DynamoDB failures. The optimized integration (`arn:aws:states:::dynamodb:*`)
 * names them after the Java SDK v1 exception classes, with `AmazonDynamoDBException` for everything unmodelled
 * (ValidationException, ThrottlingException...); the AWS SDK integration (`aws-sdk:dynamodb:*`) uses the service
 * name `DynamoDb` and always an `Exception` suffix, with `DynamoDbException` for the unmodelled ones.
 */
const OPTIMIZED_DYNAMODB_ERRORS: Record<string, string> = {
  ConditionalCheckFailedException: "ConditionalCheckFailedException",
  ProvisionedThroughputExceededException: "ProvisionedThroughputExceededException",
  RequestLimitExceeded: "RequestLimitExceededException",
  InternalServerError: "InternalServerErrorException",
  ResourceNotFoundException: "ResourceNotFoundException",
  ItemCollectionSizeLimitExceededException: "ItemCollectionSizeLimitExceededException",
  TransactionConflictException: "TransactionConflictException",
};
const SDK_DYNAMODB_ERRORS: Record<string, string> = {
  ...OPTIMIZED_DYNAMODB_ERRORS,
  TransactionCanceledException: "TransactionCanceledException",
  TransactionInProgressException: "TransactionInProgressException",
  IdempotentParameterMismatchException: "IdempotentParameterMismatchException",
  ThrottlingException: "ThrottlingException",
};

export function dynamoErrorName(sdkName: string, integration: "optimized" | "aws-sdk"): string {
  if (integration === "optimized") return `DynamoDB.${OPTIMIZED_DYNAMODB_ERRORS[sdkName] ?? "AmazonDynamoDBException"}`;
  return `DynamoDb.${SDK_DYNAMODB_ERRORS[sdkName] ?? "DynamoDbException"}`;
}

function dynamoTask(deps: RouterDeps, action: string, integration: "optimized" | "aws-sdk"): TaskHandler {
  const send = async (input: Json): Promise<unknown> => {
    switch (`${integration}:${action}`) {
      case "optimized:putItem":
        return deps.dynamo.send(new PutItemCommand(input as unknown as PutItemCommandInput));
      case "optimized:getItem":
        return deps.dynamo.send(new GetItemCommand(input as unknown as GetItemCommandInput));
      case "optimized:updateItem":
        return deps.dynamo.send(new UpdateItemCommand(input as unknown as UpdateItemCommandInput));
      case "optimized:deleteItem":
        return deps.dynamo.send(new DeleteItemCommand(input as unknown as DeleteItemCommandInput));
      case "aws-sdk:transactWriteItems":
        return deps.dynamo.send(new TransactWriteItemsCommand(input as unknown as TransactWriteItemsCommandInput));
      default:
        throw new StatesError("States.Runtime", `dynamodb:${action} is not supported by the embedded default (${integration} integration)`);
    }
  };
  return async (input) => {
    try {
      const out = (await send(input)) as Record<string, unknown>;
      const { $metadata: _meta, ...rest } = out;
      return json(rest);
    } catch (err) {
      if (err instanceof StatesError) throw err;
      const e = err instanceof Error ? err : new Error(String(err));
      throw new StatesError(dynamoErrorName(e.name, integration), e.message);
    }
  };
}

function snsPublish(deps: RouterDeps): TaskHandler {
  return async (input) => {
    const params = (input ?? {}) as Parameters<SnsOutbox["publish"]>[0];
    const size =
      Buffer.byteLength(typeof params.Message === "string" ? params.Message : "") +
      Object.entries(params.MessageAttributes ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v.StringValue ?? ""), 0);
    if (size > MAX_SNS_MESSAGE_BYTES) throw new StatesError("SNS.InvalidParameterException", "Invalid parameter: Message too long");
    try {
      return json(deps.outbox.publish(params));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      throw new StatesError(e.name.startsWith("SNS.") ? e.name : `SNS.${e.name}`, e.message);
    }
  };
}

export function routeResource(resource: string, deps: RouterDeps): TaskHandler {
  if (resource === "arn:aws:states:::lambda:invoke") return lambdaInvoke();
  const dynamo = /^arn:aws:states:::dynamodb:(\w+)$/.exec(resource);
  if (dynamo) return dynamoTask(deps, dynamo[1]!, "optimized");
  const sdkDynamo = /^arn:aws:states:::aws-sdk:dynamodb:(\w+)$/.exec(resource);
  if (sdkDynamo) return dynamoTask(deps, sdkDynamo[1]!, "aws-sdk");
  if (resource === "arn:aws:states:::sns:publish") return snsPublish(deps);
  if (resource === SYNC_CHILD_RESOURCE && deps.startChild) {
    const start = deps.startChild;
    return (input) => start((input ?? {}) as Parameters<ChildStarter>[0]);
  }
  throw new Error(`the embedded default cannot run Task resource ${resource}`);
}

/** A phase of a task, for tests that kill the process around a task's side effect. */
export type TaskProbe = (state: string, phase: "before" | "after") => void;

export interface TaskOptions {
  probe?: TaskProbe;
  /** Replaces every TimeoutSeconds, for tests that should not wait minutes. */
  timeoutMs?: number;
  /**
   * Told of an error no Catch may handle (States.DataLimitExceeded is terminal on AWS): the execution must end FAILED.
   * Without it the error is thrown like any other.
   */
  terminal?: (error: StatesError) => void;
}

/**
 * AWS reports a task that ran out of time as `States.Timeout` with no `Cause` (a Catch gets `{"Error":
 * "States.Timeout"}` alone); the embedded runner would fill one in, so the task's timeout is enforced here instead.
 */
export function taskTimeoutError(): StatesError {
  const e = new StatesError("States.Timeout", "");
  Object.defineProperty(e, "message", { value: undefined });
  return e;
}

function withTimeout(run: Promise<Json>, ms: number | undefined): Promise<Json> {
  if (ms === undefined) return run;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    // Node's timers fire at once beyond 2^31-1 ms; a longer task timeout (AWS allows a year) is not enforced here.
    if (ms > 0x7fffffff) return;
    timer = setTimeout(() => reject(taskTimeoutError()), ms);
  });
  return Promise.race([run, timeout]).finally(() => clearTimeout(timer));
}

/** Every Task of a definition, including those inside Map and Parallel states, routed by its Resource. */
export function buildTaskHandlers(definition: AslMachine, deps: RouterDeps, opts: TaskOptions = {}): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const [name, state] of taskStates(definition)) {
    if (handlers[name]) throw new Error(`state name ${name} is used twice; the embedded runner routes tasks by name`);
    const run = routeResource(state.Resource ?? "", deps);
    const ms = state.TimeoutSeconds === undefined ? undefined : (opts.timeoutMs ?? state.TimeoutSeconds * 1000);
    const tooLarge = (): never => {
      const e = new StatesError("States.DataLimitExceeded", dataLimitCause(name));
      opts.terminal?.(e);
      throw e;
    };
    handlers[name] = async (input) => {
      // The task's input after Parameters, then the integration's result (a Lambda payload, a child's output, a
      // DynamoDB answer), each before anything selects from it: where AWS measures them.
      if (overLimit(input)) tooLarge();
      opts.probe?.(name, "before");
      const out = await withTimeout(run(input), ms);
      opts.probe?.(name, "after");
      if (overLimit(out)) tooLarge();
      return out;
    };
  }
  return handlers;
}

/**
 * The runner's own timeout for every Task: the longest a Node timer holds (about 24.8 days), so that it never fires
 * first. Without a TimeoutSeconds the runner gives a Task 60 s, where Step Functions gives it 99,999,999 s: a child
 * execution or a task that took a minute failed with States.Timeout on the embedded engine only.
 */
export const RUNNER_TASK_TIMEOUT_SECONDS = Math.floor(0x7fffffff / 1000);

/** The definition the embedded runner executes: Task timeouts are left to buildTaskHandlers (see taskTimeoutError). */
export function withoutTaskTimeouts<T extends AslMachine>(definition: T): T {
  // A JSON round trip, not structuredClone: under jest's VM modules structuredClone makes objects of another realm,
  // which the runner does not take for plain objects (nested Parameters templates would go unevaluated).
  const copy = JSON.parse(JSON.stringify(definition)) as T;
  for (const [, state] of taskStates(copy)) state.TimeoutSeconds = RUNNER_TASK_TIMEOUT_SECONDS;
  return copy;
}
