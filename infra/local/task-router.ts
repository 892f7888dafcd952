import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
  type DeleteItemCommandInput,
  type GetItemCommandInput,
  type PutItemCommandInput,
  type UpdateItemCommandInput,
} from "@aws-sdk/client-dynamodb";
import { taskStates, type AslMachine } from "../asl.js";
import { TASK_FUNCTIONS, type LambdaHandler } from "./functions.js";
import type { SnsOutbox } from "./sns-outbox.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type TaskHandler = (input: Json) => Promise<Json>;

/** Step Functions caps the data passed between states at 256 KiB; enforcing it locally catches oversize outputs before AWS does. */
export const MAX_STATE_PAYLOAD_BYTES = 256 * 1024;

export class StatesError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

function json(value: unknown): Json {
  return JSON.parse(JSON.stringify(value ?? null)) as Json;
}

function checkSize(what: string, value: Json): void {
  const size = Buffer.byteLength(JSON.stringify(value));
  if (size > MAX_STATE_PAYLOAD_BYTES) {
    throw new StatesError("States.DataLimitExceeded", `${what} is ${size} bytes, over the ${MAX_STATE_PAYLOAD_BYTES}-byte limit`);
  }
}

function functionName(arnOrName: string): string {
  const m = /:function:([^:]+)/.exec(arnOrName);
  return m ? m[1]! : arnOrName;
}

export interface RouterDeps {
  dynamo: DynamoDBClient;
  outbox: SnsOutbox;
}

/** lambda:invoke: the project's own handler module, with Lambda's JSON round trip, error shape and payload limit. */
function lambdaInvoke(): TaskHandler {
  const cache = new Map<string, LambdaHandler>();
  return async (input) => {
    const params = (input ?? {}) as { FunctionName?: string; Payload?: Json };
    const name = functionName(String(params.FunctionName ?? ""));
    const load = TASK_FUNCTIONS[name];
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
    checkSize(`The output of function ${name}`, result);
    return { ExecutedVersion: "$LATEST", StatusCode: 200, Payload: result };
  };
}

function dynamoTask(deps: RouterDeps, action: string): TaskHandler {
  const send = async (input: Json): Promise<unknown> => {
    switch (action) {
      case "putItem":
        return deps.dynamo.send(new PutItemCommand(input as unknown as PutItemCommandInput));
      case "getItem":
        return deps.dynamo.send(new GetItemCommand(input as unknown as GetItemCommandInput));
      case "updateItem":
        return deps.dynamo.send(new UpdateItemCommand(input as unknown as UpdateItemCommandInput));
      case "deleteItem":
        return deps.dynamo.send(new DeleteItemCommand(input as unknown as DeleteItemCommandInput));
      default:
        throw new StatesError("States.Runtime", `dynamodb:${action} is not an optimized integration`);
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
      throw new StatesError(`DynamoDB.${e.name}`, e.message);
    }
  };
}

function snsPublish(deps: RouterDeps): TaskHandler {
  return async (input) => {
    try {
      return json(deps.outbox.publish((input ?? {}) as Parameters<SnsOutbox["publish"]>[0]));
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      throw new StatesError(e.name.startsWith("SNS.") ? e.name : `SNS.${e.name}`, e.message);
    }
  };
}

export function routeResource(resource: string, deps: RouterDeps): TaskHandler {
  if (resource === "arn:aws:states:::lambda:invoke") return lambdaInvoke();
  const dynamo = /^arn:aws:states:::dynamodb:(\w+)$/.exec(resource);
  if (dynamo) return dynamoTask(deps, dynamo[1]!);
  if (resource === "arn:aws:states:::sns:publish") return snsPublish(deps);
  throw new Error(`the embedded default cannot run Task resource ${resource}`);
}

/** Every Task of a definition, including those inside Map and Parallel states, routed by its Resource. */
export function buildTaskHandlers(definition: AslMachine, deps: RouterDeps): Record<string, TaskHandler> {
  const handlers: Record<string, TaskHandler> = {};
  for (const [name, state] of taskStates(definition)) {
    if (handlers[name]) throw new Error(`state name ${name} is used twice; the embedded runner routes tasks by name`);
    handlers[name] = routeResource(state.Resource ?? "", deps);
  }
  return handlers;
}
