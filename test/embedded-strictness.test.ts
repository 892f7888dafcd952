import type { Substitutions } from "../infra/substitutions.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import type { ExecutionRecord } from "../infra/local/execution-store.js";
import { startLocalDynamo, type LocalDynamo } from "../infra/local/dynamo-store.js";
import { SnsOutbox } from "../infra/local/sns-outbox.js";
import { startLocalStepFunctions, type LocalStepFunctions } from "../infra/local/stepfunctions-endpoint.js";
import { dynamoErrorName } from "../infra/local/task-router.js";
import { stepsFromHistory } from "../app/executions/steps.js";

/**
 * Where the embedded endpoint would be more lenient than AWS, it is made as strict, so that a test fails here where
 * AWS would fail there. Each rule below is checked on a small machine of its own.
 */
const SUBS = { EnrichMemberFunctionArn: "x", PriceRunFunctionArn: "x", TableName: "strict", TopicArn: "arn:aws:sns:us-east-1:000000000000:t" } as Substitutions;
const dir = mkdtempSync(join(tmpdir(), "strict-machines-"));
const machine = (name: string, states: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  writeFileSync(join(dir, `${name}.asl.json`), JSON.stringify({ StartAt: Object.keys(states)[0], States: states, ...extra }));
  return { file: `${name}.asl.json`, name };
};
const machines = [
  // A task that times out, caught: AWS gives {"Error": "States.Timeout"} with no Cause.
  machine("timeout-caught", {
    Hang: {
      Type: "Task",
      Resource: "arn:aws:states:::dynamodb:getItem",
      Parameters: { TableName: "${TableName}", Key: { pk: { S: "a" }, sk: { S: "b" } } },
      TimeoutSeconds: 1,
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Done" }],
      Next: "Done",
    },
    Done: { Type: "Pass", End: true },
  }),
  machine("timeout-uncaught", {
    Hang: {
      Type: "Task",
      Resource: "arn:aws:states:::dynamodb:getItem",
      Parameters: { TableName: "${TableName}", Key: { pk: { S: "a" }, sk: { S: "b" } } },
      TimeoutSeconds: 1,
      End: true,
    },
  }),
  machine("long-express", { Sleep: { Type: "Wait", Seconds: 30, End: true } }),
  machine("long-standard", { Sleep: { Type: "Wait", Seconds: 30, End: true } }),
  machine("bad-write", {
    Write: {
      Type: "Task",
      Resource: "arn:aws:states:::dynamodb:putItem",
      Parameters: { TableName: "${TableName}", Item: { pk: { S: "a" } } },
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Done" }],
      Next: "Done",
    },
    Done: { Type: "Pass", End: true },
  }),
  machine("long-subject", {
    Publish: {
      Type: "Task",
      Resource: "arn:aws:states:::sns:publish",
      Parameters: { TopicArn: "${TopicArn}", Message: "m", "Subject.$": "$.subject" },
      End: true,
    },
  }),
  // Child executions (startExecution.sync:2) and their children.
  machine("child-ok", { Hold: { Type: "Wait", Seconds: 1, Next: "Answer" }, Answer: { Type: "Pass", Parameters: { "got.$": "$.v" }, End: true } }),
  machine("child-fail", { Boom: { Type: "Fail", Error: "Boom", Cause: "it broke" } }),
  // AWS's event model: a task that succeeds, one retried then caught, a Map of two items, a Choice and a Succeed.
  machine("event-model", {
    Write: {
      Type: "Task",
      Resource: "arn:aws:states:::dynamodb:putItem",
      Parameters: { TableName: "${TableName}", Item: { pk: { S: "model" }, sk: { S: "1" } } },
      ResultPath: null,
      Next: "Bad",
    },
    Bad: {
      Type: "Task",
      Resource: "arn:aws:states:::dynamodb:putItem",
      Parameters: { TableName: "${TableName}", Item: { pk: { S: "a" } } },
      Retry: [{ ErrorEquals: ["DynamoDB.AmazonDynamoDBException"], MaxAttempts: 1, IntervalSeconds: 1 }],
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Each" }],
      Next: "Each",
    },
    Each: {
      Type: "Map",
      ItemsPath: "$.items",
      MaxConcurrency: 1,
      ItemProcessor: { StartAt: "Step", States: { Step: { Type: "Pass", End: true } } },
      ResultPath: null,
      Next: "Pick",
    },
    Pick: { Type: "Choice", Choices: [{ Variable: "$.items[0]", IsPresent: true, Next: "Done" }], Default: "Done" },
    Done: { Type: "Succeed" },
  }),
  // Four events a turn: 6,500 turns would be 26,000 events, past AWS's 25,000.
  machine("spin", {
    Count: { Type: "Pass", Parameters: { "n.$": "States.MathAdd($.n, 1)" }, Next: "Again" },
    Again: { Type: "Choice", Choices: [{ Variable: "$.n", NumericLessThan: 6500, Next: "Count" }], Default: "Stop" },
    Stop: { Type: "Succeed" },
  }),
  // A state output of twice its input: over 256 KiB for an input of 140 KiB.
  machine("double", { Twice: { Type: "Pass", Parameters: { "a.$": "$.s", "b.$": "$.s" }, End: true } }),
  machine("big-read", {
    Read: {
      Type: "Task",
      Resource: "arn:aws:states:::dynamodb:getItem",
      Parameters: { TableName: "${TableName}", Key: { pk: { S: "big" }, sk: { S: "1" } } },
      ResultPath: null,
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Done" }],
      Next: "Done",
    },
    Done: { Type: "Pass", End: true },
  }),
  machine("big-publish", {
    Publish: {
      Type: "Task",
      Resource: "arn:aws:states:::sns:publish",
      Parameters: { TopicArn: "${TopicArn}", "Message.$": "States.Format('{}{}', $.s, $.s)" },
      ResultPath: null,
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Done" }],
      Next: "Done",
    },
    Done: { Type: "Pass", End: true },
  }),
  machine("echo", { Echo: { Type: "Pass", End: true } }),
  machine("quick-express", { Quick: { Type: "Pass", End: true } }),
  machine("parent", {
    Child: {
      Type: "Task",
      Resource: "arn:aws:states:::states:startExecution.sync:2",
      Parameters: { "StateMachineArn.$": "$.child", "Name.$": "$.name", "Input.$": "$.input" },
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "Done" }],
      Next: "Done",
    },
    Done: { Type: "Pass", End: true },
  }),
];

let hanging: Server;
let store: LocalDynamo;
let endpoint: LocalStepFunctions;
let sfn: SFNClient;
const failures: ExecutionRecord[] = [];
let hangingDb: DynamoDBClient;
const outbox = new SnsOutbox(undefined);
const logLines: string[] = [];

beforeAll(async () => {
  // A DynamoDB endpoint that accepts the connection and never answers, for the task timeouts.
  hanging = createServer(() => {});
  await new Promise<void>((r) => hanging.listen(0, "127.0.0.1", () => r()));
  store = await startLocalDynamo({ tableName: "strict" });
  const { port } = hanging.address() as AddressInfo;
  hangingDb = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "x", secretAccessKey: "x" },
    maxAttempts: 1,
  });
  const realDb = new DynamoDBClient({ endpoint: store.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  // The hanging client for the timeout machines, the real store for the others: one router per endpoint, so two endpoints.
  endpoint = await startLocalStepFunctions({
    machinesDir: dir,
    machines,
    substitutions: SUBS,
    deps: {
      dynamo: new Proxy(realDb, {
        get: (target, prop, recv) =>
          prop === "send"
            ? (cmd: { input?: { Key?: { pk?: { S?: string } } } }) => (cmd.input?.Key?.pk?.S === "a" ? hangingDb.send(cmd as never) : realDb.send(cmd as never))
            : Reflect.get(target, prop, recv),
      }),
      outbox,
    },
    types: { "long-express": "EXPRESS", "quick-express": "EXPRESS" },
    expressLimitMs: 500,
    onFailure: (rec) => failures.push({ ...rec }),
    log: (m) => logLines.push(m),
  });
  sfn = new SFNClient({ endpoint: endpoint.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
});

afterAll(async () => {
  sfn.destroy();
  hangingDb.destroy();
  await endpoint.idle();
  await endpoint.close();
  await store.close();
  hanging.closeAllConnections();
  hanging.close();
});

async function run(machineName: string, name: string, input: object = {}) {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: endpoint.machineArns[machineName], name, input: JSON.stringify(input) }),
  );
  return executionArn!;
}
const describeIt = (executionArn: string) => sfn.send(new DescribeExecutionCommand({ executionArn }));
async function historyOf(executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const res = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000, nextToken }));
    events.push(...(res.events ?? []));
    nextToken = res.nextToken;
  } while (nextToken);
  return events;
}

describe("the embedded endpoint is as strict as AWS", () => {
  it("a task timeout caught by States.ALL is {Error: States.Timeout} with no Cause", async () => {
    const arn = await run("timeout-caught", "t1");
    await endpoint.idle();
    const d = await describeIt(arn);
    expect(d.status).toBe("SUCCEEDED");
    expect(JSON.parse(d.output!)).toEqual({ error: { Error: "States.Timeout" } });
  });

  it("an uncaught task timeout fails the execution with States.Timeout and no cause, and is notified", async () => {
    const arn = await run("timeout-uncaught", "t2");
    await endpoint.idle();
    const d = await describeIt(arn);
    expect(d).toMatchObject({ status: "FAILED", error: "States.Timeout", redriveStatus: "REDRIVABLE" });
    expect(d.cause).toBeUndefined();
    expect(failures.find((f) => f.name === "t2")).toMatchObject({ status: "FAILED", error: "States.Timeout" });
  });

  it("Express executions stop at their time limit as TIMED_OUT, are not redrivable and send no status-change event", async () => {
    const arn = await run("long-express", "x1");
    await endpoint.idle();
    // Express executions cannot be described (below): the engine's log is where their end is seen.
    expect(logLines).toContain("execution x1: TIMED_OUT (States.Timeout)");
    await expect(sfn.send(new RedriveExecutionCommand({ executionArn: arn }))).rejects.toMatchObject({ name: "ExecutionNotRedrivable" });
    expect(failures.some((f) => f.name === "x1")).toBe(false);
  });

  it("StopExecution aborts; an aborted Standard execution is notified and can be redriven", async () => {
    const arn = await run("long-standard", "s1");
    await sfn.send(new StopExecutionCommand({ executionArn: arn }));
    await endpoint.idle();
    expect(await describeIt(arn)).toMatchObject({ status: "ABORTED", redriveStatus: "REDRIVABLE" });
    expect(failures.find((f) => f.name === "s1")).toMatchObject({ status: "ABORTED" });
  });

  it("a permanent DynamoDB error is DynamoDB.AmazonDynamoDBException on the optimized integration, as AWS names it", async () => {
    const arn = await run("bad-write", "w1");
    await endpoint.idle();
    const out = JSON.parse((await describeIt(arn)).output!) as { error: { Error: string } };
    expect(out.error.Error).toBe("DynamoDB.AmazonDynamoDBException");
    expect(dynamoErrorName("RequestLimitExceeded", "optimized")).toBe("DynamoDB.RequestLimitExceededException");
    expect(dynamoErrorName("InternalServerError", "optimized")).toBe("DynamoDB.InternalServerErrorException");
    expect(dynamoErrorName("ThrottlingException", "optimized")).toBe("DynamoDB.AmazonDynamoDBException");
    expect(dynamoErrorName("TransactionCanceledException", "aws-sdk")).toBe("DynamoDb.TransactionCanceledException");
    expect(dynamoErrorName("RequestLimitExceeded", "aws-sdk")).toBe("DynamoDb.RequestLimitExceededException");
    expect(dynamoErrorName("ValidationException", "aws-sdk")).toBe("DynamoDb.DynamoDbException");
  });

  describe("startExecution.sync:2", () => {
    const parent = async (name: string, child: string, childName: string, input: object) => {
      const arn = await run("parent", name, { child: endpoint.machineArns[child], name: childName, input });
      await endpoint.idle();
      return JSON.parse((await describeIt(arn)).output!) as { Output?: unknown; Status?: string; Input?: unknown; error?: { Error: string; Cause: string } };
    };

    it("starts the child under the given name, waits for its end and returns its output as JSON", async () => {
      const out = await parent("sp1", "child-ok", "c1", { v: 1 });
      expect(out).toMatchObject({ Name: "c1", Status: "SUCCEEDED", Input: { v: 1 }, Output: { got: 1 }, OutputDetails: { Included: true } });
      expect(typeof (out as { StartDate?: unknown }).StartDate).toBe("number");
    });

    it("joins a running execution of that name and input (Standard StartExecution is idempotent), starting nothing", async () => {
      const running = await run("child-ok", "c2", { v: 2 });
      const out = await parent("sp2", "child-ok", "c2", { v: 2 });
      expect(out).toMatchObject({ ExecutionArn: running, Output: { got: 2 } });
    });

    it("an execution of that name that ended, or runs with other input, is refused as StepFunctions.ExecutionAlreadyExistsException", async () => {
      expect((await parent("sp3", "child-ok", "c1", { v: 1 })).error?.Error).toBe("StepFunctions.ExecutionAlreadyExistsException");
      await run("child-ok", "c3", { v: 3 });
      expect((await parent("sp4", "child-ok", "c3", { v: 4 })).error?.Error).toBe("StepFunctions.ExecutionAlreadyExistsException");
    });

    it("stopping the parent stops the child it waits for (what the task's states:StopExecution grant is for)", async () => {
      const parentArn = await run("parent", "sp6", { child: endpoint.machineArns["long-standard"], name: "l1", input: {} });
      const childArn = parentArn.replace(/:execution:parent:sp6$/, ":execution:long-standard:l1");
      for (let i = 0; i < 100 && (await describeIt(childArn).catch(() => undefined))?.status !== "RUNNING"; i++) await new Promise((r) => setTimeout(r, 20));
      expect((await describeIt(childArn)).status).toBe("RUNNING");
      await sfn.send(new StopExecutionCommand({ executionArn: parentArn }));
      await endpoint.idle();
      expect((await describeIt(parentArn)).status).toBe("ABORTED");
      expect((await describeIt(childArn)).status).toBe("ABORTED");
    });

    it("a child that fails fails the task with States.TaskFailed, its description (Error, Cause) as the cause", async () => {
      const out = await parent("sp5", "child-fail", "f1", {});
      expect(out.error?.Error).toBe("States.TaskFailed");
      expect(JSON.parse(out.error!.Cause)).toMatchObject({ Name: "f1", Status: "FAILED", Error: "Boom", Cause: "it broke" });
    });
  });

  it("an SNS subject of 100 characters, or with a line break, is refused; 99 is accepted", async () => {
    for (const [name, subject, status] of [
      ["p1", "s".repeat(100), "FAILED"],
      ["p2", "a\nb", "FAILED"],
      ["p3", "s".repeat(99), "SUCCEEDED"],
    ] as const) {
      const arn = await run("long-subject", name, { subject });
      await endpoint.idle();
      expect(await describeIt(arn)).toMatchObject({ status, ...(status === "FAILED" ? { error: "SNS.InvalidParameterException" } : {}) });
    }
  });
});

describe("the engine's limits and event model are AWS's", () => {
  const types = (events: HistoryEvent[]) => events.map((e) => e.type);

  it("records every event AWS records, in AWS's order: Task, retry, catch, Map iterations, Choice, Succeed", async () => {
    const arn = await run("event-model", "m1", { items: [1, 2] });
    await endpoint.idle();
    expect((await describeIt(arn)).status).toBe("SUCCEEDED");
    const all = types(await historyOf(arn));
    // Inside the Map the engine may report an iteration's end after the next one's start: compare that part as a set.
    const mapStart = all.indexOf("MapStateStarted") + 1;
    const mapEnd = all.indexOf("MapStateSucceeded");
    expect([...all.slice(0, mapStart), ...all.slice(mapEnd)]).toEqual([
      "ExecutionStarted",
      ...["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited"],
      // the failed attempt, its retry (scheduled and started again), the second failure, caught
      ...["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "TaskScheduled", "TaskStarted", "TaskFailed", "TaskStateExited"],
      ...["MapStateEntered", "MapStateStarted", "MapStateSucceeded", "MapStateExited"],
      ...["ChoiceStateEntered", "ChoiceStateExited", "SucceedStateEntered", "SucceedStateExited"],
      "ExecutionSucceeded",
    ]);
    const iteration = ["MapIterationStarted", "MapIterationSucceeded", "PassStateEntered", "PassStateExited"];
    expect(all.slice(mapStart, mapEnd).sort()).toEqual([...iteration, ...iteration].sort());
    const ids = (await historyOf(arn)).map((e) => [e.id, e.previousEventId]);
    expect(ids).toEqual(ids.map((_, i) => [i + 1, i]));
  });

  it("a startExecution.sync:2 task is also submitted, and its timeout is TaskTimedOut", async () => {
    const parentArn = await run("parent", "sp7", { child: endpoint.machineArns["child-ok"], name: "c7", input: { v: 7 } });
    await endpoint.idle();
    const task = types(await historyOf(parentArn)).slice(1, 7);
    expect(task).toEqual(["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited"]);
    const timedOut = await run("timeout-caught", "t3");
    await endpoint.idle();
    expect(types(await historyOf(timedOut))).toEqual([
      "ExecutionStarted",
      ...["TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskTimedOut", "TaskStateExited"],
      ...["PassStateEntered", "PassStateExited", "ExecutionSucceeded"],
    ]);
    // The executions command's reading of it: the timed-out task failed (and was caught), with AWS's error.
    expect(stepsFromHistory(await historyOf(timedOut))[0]).toMatchObject({ state: "Hang", outcome: "failed", error: "States.Timeout" });
  });

  it("an execution that reaches 25,000 events fails with States.Runtime as its 25,000th event, and cannot be redriven", async () => {
    const arn = await run("spin", "loop1", { n: 0 });
    await endpoint.idle();
    const d = await describeIt(arn);
    expect(d).toMatchObject({
      status: "FAILED",
      error: "States.Runtime",
      cause: "The execution reached the maximum number of history events (25000).",
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution history event limit exceeded",
    });
    const events = await historyOf(arn);
    expect(events).toHaveLength(25_000);
    expect(events.at(-1)).toMatchObject({ id: 25_000, type: "ExecutionFailed" });
    expect(events.at(-2)?.type).not.toMatch(/^Execution/);
    await expect(sfn.send(new RedriveExecutionCommand({ executionArn: arn }))).rejects.toMatchObject({
      name: "ExecutionNotRedrivable",
      message: "Execution history event limit exceeded",
    });
    expect(failures.find((f) => f.name === "loop1")).toMatchObject({ status: "FAILED", error: "States.Runtime" });
  }, 120_000);

  it("StartExecution refuses an input over 262,144 bytes of UTF-8 with AWS's ValidationException; 262,144 is accepted", async () => {
    // "é" is two bytes: the limit is on bytes, not characters.
    const over = JSON.stringify({ s: "é".repeat(131_070) });
    expect(over.length).toBeLessThan(262_144);
    expect(Buffer.byteLength(over)).toBe(262_148);
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: endpoint.machineArns.echo, name: "big-in", input: over }))).rejects.toMatchObject({
      name: "ValidationException",
      message: expect.stringContaining("262144"),
    });
    const exact = JSON.stringify({ s: "é".repeat(131_068) });
    expect(Buffer.byteLength(exact)).toBe(262_144);
    const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: endpoint.machineArns.echo, name: "fit-in", input: exact }));
    await endpoint.idle();
    expect((await describeIt(executionArn!)).status).toBe("SUCCEEDED");
  });

  const dataLimit = (state: string) => ({
    status: "FAILED",
    error: "States.DataLimitExceeded",
    cause: `The state/task '${state}' returned a result with a size exceeding the maximum number of bytes service limit.`,
  });
  const s140k = "x".repeat(140 * 1024);

  it("a state output over 256 KiB fails the execution with States.DataLimitExceeded", async () => {
    const arn = await run("double", "d1", { s: s140k });
    await endpoint.idle();
    expect(await describeIt(arn)).toMatchObject(dataLimit("Twice"));
    expect(types(await historyOf(arn)).at(-1)).toBe("ExecutionFailed");
  });

  it("a DynamoDB result over 256 KiB fails the execution, even with ResultPath null and a States.ALL Catch", async () => {
    const db = new DynamoDBClient({ endpoint: store.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
    await db.send(new PutItemCommand({ TableName: "strict", Item: { pk: { S: "big" }, sk: { S: "1" }, data: { S: "y".repeat(300 * 1024) } } }));
    db.destroy();
    const arn = await run("big-read", "r1");
    await endpoint.idle();
    expect(await describeIt(arn)).toMatchObject(dataLimit("Read"));
  });

  it("a .sync:2 child's result over 256 KiB (its input and output) fails the parent with States.DataLimitExceeded", async () => {
    const arn = await run("parent", "sp8", { child: endpoint.machineArns.echo, name: "e8", input: { s: s140k.slice(0, 130 * 1024) } });
    await endpoint.idle();
    expect(await describeIt(arn)).toMatchObject(dataLimit("Child"));
    // The child itself is within every limit.
    expect((await describeIt(arn.replace(":execution:parent:sp8", ":execution:echo:e8"))).status).toBe("SUCCEEDED");
  });

  it("an SNS message that makes the task's input over 256 KiB fails the execution; nothing is published", async () => {
    const before = outbox.read().length;
    const arn = await run("big-publish", "b1", { s: s140k });
    await endpoint.idle();
    expect(await describeIt(arn)).toMatchObject(dataLimit("Publish"));
    expect(outbox.read()).toHaveLength(before);
  });

  it("Express: a name is not deduplicated, and Describe, GetExecutionHistory and ListExecutions are refused as on AWS", async () => {
    const first = await run("quick-express", "same");
    const second = await run("quick-express", "same");
    expect(first).not.toBe(second);
    expect(first).toMatch(/:express:quick-express:same:/);
    await endpoint.idle();
    expect(logLines.filter((l) => l === "execution same: SUCCEEDED")).toHaveLength(2);
    await expect(describeIt(first)).rejects.toMatchObject({ name: "InvalidArn" });
    await expect(sfn.send(new GetExecutionHistoryCommand({ executionArn: first }))).rejects.toMatchObject({ name: "InvalidArn" });
    await expect(sfn.send(new ListExecutionsCommand({ stateMachineArn: endpoint.machineArns["quick-express"] }))).rejects.toMatchObject({
      name: "StateMachineTypeNotSupported",
    });
  });
});
