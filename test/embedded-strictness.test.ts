import type { Substitutions } from "../infra/substitutions.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DescribeExecutionCommand, RedriveExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from "@aws-sdk/client-sfn";
import type { ExecutionRecord } from "../infra/local/execution-store.js";
import { startLocalDynamo, type LocalDynamo } from "../infra/local/dynamo-store.js";
import { SnsOutbox } from "../infra/local/sns-outbox.js";
import { startLocalStepFunctions, type LocalStepFunctions } from "../infra/local/stepfunctions-endpoint.js";
import { dynamoErrorName } from "../infra/local/task-router.js";

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
            ? (cmd: { input?: { Key?: unknown } }) => (cmd.input?.Key ? hangingDb.send(cmd as never) : realDb.send(cmd as never))
            : Reflect.get(target, prop, recv),
      }),
      outbox,
    },
    types: { "long-express": "EXPRESS" },
    expressLimitMs: 500,
    onFailure: (rec) => failures.push({ ...rec }),
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
    expect(await describeIt(arn)).toMatchObject({ status: "TIMED_OUT", redriveStatus: "NOT_REDRIVABLE" });
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
