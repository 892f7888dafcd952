// RedriveExecution on the embedded endpoint, on small machines of their own: a parent whose Map runs one child
// execution per item, and a machine that fails at a later state. The cause is fixed in the store between the runs.
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import {
  DescribeExecutionCommand,
  ExecutionNotRedrivable,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { startLocalDynamo } from "../infra/local/dynamo-store.js";
import { SnsOutbox } from "../infra/local/sns-outbox.js";
import { startLocalStepFunctions, type LocalStepFunctions } from "../infra/local/stepfunctions-endpoint.js";
import { HISTORY_EVENT_LIMIT, notRedrivableReason, REDRIVABLE_DAYS } from "../infra/local/redrive.js";
import type { ExecutionRecord } from "../infra/local/execution-store.js";
import type { Substitutions } from "../infra/substitutions.js";

const TABLE = "redrive";
const ACCOUNT_ARN = "arn:aws:states:us-east-1:000000000000";
const SUBS = { TableName: TABLE, ChildArn: `${ACCOUNT_ARN}:stateMachine:child` } as unknown as Substitutions;
const dir = mkdtempSync(join(tmpdir(), "redrive-machines-"));
const machine = (name: string, def: Record<string, unknown>) => {
  writeFileSync(join(dir, `${name}.asl.json`), JSON.stringify(def));
  return { file: `${name}.asl.json`, name };
};

/** Fails (ConditionalCheckFailed) until the item FLAG/<n> exists: the cause a test fixes between a failure and its redrive. */
const flagCheck = (next: string) => ({
  Type: "Task",
  Resource: "arn:aws:states:::dynamodb:updateItem",
  Parameters: {
    TableName: "${TableName}",
    Key: { pk: { S: "FLAG" }, sk: { "S.$": "States.Format('{}', $.n)" } },
    UpdateExpression: "SET seen = :t",
    ConditionExpression: "attribute_exists(pk)",
    ExpressionAttributeValues: { ":t": { BOOL: true } },
  },
  ResultPath: null,
  Next: next,
});
const machines = [
  machine("child", {
    StartAt: "Check",
    States: { Check: flagCheck("Done"), Done: { Type: "Succeed" } },
  }),
  machine("parent", {
    StartAt: "Prepare",
    States: {
      Prepare: { Type: "Pass", Result: [1, 2, 3], ResultPath: "$.items", Next: "Each" },
      Each: {
        Type: "Map",
        ItemsPath: "$.items",
        MaxConcurrency: 1,
        ItemSelector: { "n.$": "$$.Map.Item.Value", "parent.$": "$$.Execution.Name" },
        ItemProcessor: {
          ProcessorConfig: { Mode: "INLINE" },
          StartAt: "Child",
          States: {
            Child: {
              Type: "Task",
              Resource: "arn:aws:states:::states:startExecution.sync:2",
              Parameters: { StateMachineArn: "${ChildArn}", "Name.$": "States.Format('{}-{}', $.parent, $.n)", Input: { "n.$": "$.n" } },
              End: true,
            },
          },
        },
        ResultPath: "$.results",
        Next: "After",
      },
      After: { Type: "Pass", Result: "after", ResultPath: "$.after", End: true },
    },
  }),
  // Its child task is named with the redrive count: a redrive runs it again under a new name.
  machine("pager", {
    StartAt: "Child",
    States: {
      Child: {
        Type: "Task",
        Resource: "arn:aws:states:::states:startExecution.sync:2",
        Parameters: {
          StateMachineArn: "${ChildArn}",
          "Name.$": "States.Format('{}-{}', $$.Execution.Name, $$.Execution.RedriveCount)",
          Input: { "n.$": "$.n" },
        },
        ResultSelector: { "status.$": "$.Status" },
        End: true,
      },
    },
  }),
  // Fails at its third state: a redrive must not run the first two again.
  machine("later", {
    StartAt: "First",
    States: {
      First: { Type: "Choice", Choices: [{ Variable: "$.skip", IsPresent: true, Next: "Done" }], Default: "Second" },
      Second: { Type: "Pass", Result: 1, ResultPath: "$.second", Next: "Check" },
      Check: flagCheck("Done"),
      Done: { Type: "Succeed" },
    },
  }),
  // A machine whose own state takes the name of the redrive entry: the engine cannot redrive it.
  machine("clash", {
    StartAt: "OrgFlowsRedriveEntry",
    States: { OrgFlowsRedriveEntry: { Type: "Pass", Next: "Check" }, Check: flagCheck("Done"), Done: { Type: "Succeed" } },
  }),
  machine("slow", { StartAt: "Wait", States: { Wait: { Type: "Wait", Seconds: 600, End: true } } }),
];

let store: Awaited<ReturnType<typeof startLocalDynamo>>;
let endpoint: LocalStepFunctions;
let sfn: SFNClient;
let db: DynamoDBClient;
const dataDir = mkdtempSync(join(tmpdir(), "redrive-data-"));

beforeAll(async () => {
  store = await startLocalDynamo({ tableName: TABLE });
  db = new DynamoDBClient({ endpoint: store.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" } });
  endpoint = await startLocalStepFunctions({
    machinesDir: dir,
    machines,
    substitutions: SUBS,
    deps: { dynamo: db, outbox: new SnsOutbox(undefined) },
    dataDir,
  });
  sfn = new SFNClient({ endpoint: endpoint.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 });
});

afterAll(async () => {
  sfn.destroy();
  await endpoint.close();
  db.destroy();
  await store.close();
});

const fix = (n: number) => db.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: "FLAG" }, sk: { S: String(n) } } }));
const describe = (arn: string) => sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
const history = async (arn: string) => (await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 1000 }))).events ?? [];
const entered = (events: Awaited<ReturnType<typeof history>>, name: string) => events.filter((e) => e.stateEnteredEventDetails?.name === name).length;

test("a machine that failed at a later state resumes there, keeps its history, records the redrive and succeeds", async () => {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: `${ACCOUNT_ARN}:stateMachine:later`, name: "later-1", input: '{"n":101}' }),
  );
  await endpoint.idle();
  expect((await describe(executionArn!)).status).toBe("FAILED");
  const before = await history(executionArn!);
  expect((await describe(executionArn!)).redriveStatus).toBe("REDRIVABLE");

  await fix(101);
  const out = await sfn.send(new RedriveExecutionCommand({ executionArn }));
  expect(out.redriveDate).toBeInstanceOf(Date);
  await endpoint.idle();
  const d = await describe(executionArn!);
  expect(d.status).toBe("SUCCEEDED");
  expect(d.redriveCount).toBe(1);
  expect(d.redriveDate).toBeInstanceOf(Date);
  const after = await history(executionArn!);
  // The first attempt's events stand as they were; the redrive follows them.
  expect(after.slice(0, before.length).map((e) => e.type)).toEqual(before.map((e) => e.type));
  const tail = after.slice(before.length);
  expect(tail[0]?.type).toBe("ExecutionRedriven");
  expect(tail[0]?.executionRedrivenEventDetails?.redriveCount).toBe(1);
  expect(tail.at(-1)?.type).toBe("ExecutionSucceeded");
  expect(entered(tail, "First") + entered(tail, "Second")).toBe(0);
  expect(entered(tail, "Check")).toBe(1);
  expect(tail.some((e) => e.type === "ExecutionStarted" || e.stateEnteredEventDetails?.name?.startsWith("OrgFlows"))).toBe(false);
  expect(after.map((e) => e.id)).toEqual(after.map((_, i) => i + 1));

  // SUCCEEDED: AWS's error name and reason; nothing changes.
  const refused = await sfn.send(new RedriveExecutionCommand({ executionArn })).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(ExecutionNotRedrivable);
  expect((refused as Error).message).toBe("Execution is SUCCEEDED and cannot be redriven");
  expect((await describe(executionArn!)).redriveCount).toBe(1);
}, 60_000);

test("a redriven parent whose Map child failed: the succeeded child stands, the failed one's name is refused as AWS refuses it", async () => {
  await fix(1);
  await fix(3);
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: `${ACCOUNT_ARN}:stateMachine:parent`, name: "p1", input: "{}" }));
  await endpoint.idle();
  expect((await describe(executionArn!)).status).toBe("FAILED");
  const childArn = (n: number) => `${ACCOUNT_ARN}:execution:child:p1-${n}`;
  // The first succeeded, the second failed; the third was stopped with its parent (or never started).
  const statuses = async () => Promise.all([1, 2, 3].map(async (n) => (await describe(childArn(n)).catch(() => undefined))?.status));
  expect((await statuses()).slice(0, 2)).toEqual(["SUCCEEDED", "FAILED"]);
  const okBefore = await history(childArn(1));

  await fix(2);
  await sfn.send(new RedriveExecutionCommand({ executionArn }));
  await endpoint.idle();
  const parent = await describe(executionArn!);
  // A name is an execution's for 90 days: the failed child is not redriven by its parent, its start is refused.
  expect([parent.status, parent.error]).toEqual(["FAILED", "StepFunctions.ExecutionAlreadyExistsException"]);
  const child2 = await describe(childArn(2));
  expect([child2.status, child2.redriveCount]).toEqual(["FAILED", 0]);
  expect((await describe(childArn(1))).redriveCount).toBe(0);
  expect(await history(childArn(1))).toEqual(okBefore);
  const tail = await history(executionArn!);
  const redriven = tail.findIndex((e) => e.type === "ExecutionRedriven");
  expect(entered(tail.slice(redriven), "Prepare")).toBe(0);
}, 60_000);

test("a child named with $$.Execution.RedriveCount runs again under a new name when its parent is redriven", async () => {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: `${ACCOUNT_ARN}:stateMachine:pager`, name: "pg", input: '{"n":7}' }));
  await endpoint.idle();
  expect((await describe(executionArn!)).status).toBe("FAILED");
  expect((await describe(`${ACCOUNT_ARN}:execution:child:pg-0`)).status).toBe("FAILED");
  await fix(7);
  await sfn.send(new RedriveExecutionCommand({ executionArn }));
  await endpoint.idle();
  const parent = await describe(executionArn!);
  expect([parent.status, JSON.parse(parent.output ?? "{}")]).toEqual(["SUCCEEDED", { status: "SUCCEEDED" }]);
  expect((await describe(`${ACCOUNT_ARN}:execution:child:pg-1`)).status).toBe("SUCCEEDED");
  expect((await describe(`${ACCOUNT_ARN}:execution:child:pg-0`)).status).toBe("FAILED");
}, 60_000);

test("a redrive the engine cannot run is refused before anything changes", async () => {
  const { executionArn } = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: `${ACCOUNT_ARN}:stateMachine:clash`, name: "clash-1", input: '{"n":202}' }),
  );
  await endpoint.idle();
  const before = await describe(executionArn!);
  const events = await history(executionArn!);
  expect(before.status).toBe("FAILED");
  const refused = await sfn.send(new RedriveExecutionCommand({ executionArn })).catch((e: unknown) => e);
  expect((refused as Error).name).toBe("ExecutionNotRedrivable");
  expect((refused as Error).message).toMatch(/^the embedded engine cannot redrive from Check: /);
  const after = await describe(executionArn!);
  expect([after.status, after.redriveCount, after.error]).toEqual(["FAILED", 0, before.error]);
  expect(await history(executionArn!)).toEqual(events);
}, 60_000);

test("StopExecution ends a running execution ABORTED with its error and cause; it can then be redriven", async () => {
  const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn: `${ACCOUNT_ARN}:stateMachine:slow`, name: "slow-1" }));
  expect((await describe(executionArn!)).status).toBe("RUNNING");
  const running = await sfn.send(new RedriveExecutionCommand({ executionArn })).catch((e: unknown) => e);
  expect((running as Error).name).toBe("ExecutionNotRedrivable");
  expect((running as Error).message).toBe("Execution is RUNNING and cannot be redriven");
  await sfn.send(new StopExecutionCommand({ executionArn, error: "Operator", cause: "stopped by hand" }));
  await endpoint.idle();
  const d = await describe(executionArn!);
  expect([d.status, d.error, d.cause, d.redriveStatus]).toEqual(["ABORTED", "Operator", "stopped by hand", "REDRIVABLE"]);
  const events = await history(executionArn!);
  expect(events.at(-1)?.type).toBe("ExecutionAborted");
  expect(events.at(-1)?.executionAbortedEventDetails).toEqual({ error: "Operator", cause: "stopped by hand" });
  await sfn.send(new RedriveExecutionCommand({ executionArn }));
  expect((await describe(executionArn!)).status).toBe("RUNNING");
  await sfn.send(new StopExecutionCommand({ executionArn }));
  await endpoint.idle();
  expect((await describe(executionArn!)).status).toBe("ABORTED");
}, 60_000);

test("AWS's preconditions: Express, 14 days after the stop, the history event limit", () => {
  const now = Date.now() / 1000;
  const rec: ExecutionRecord = {
    executionArn: "a",
    stateMachineArn: "m",
    name: "n",
    status: "FAILED",
    startDate: now - 100,
    stopDate: now - 50,
    input: "{}",
    events: [],
  };
  expect(notRedrivableReason(rec, "STANDARD", now)).toBeUndefined();
  expect(notRedrivableReason(rec, "EXPRESS", now)).toBe("Express executions cannot be redriven");
  expect(notRedrivableReason({ ...rec, stopDate: now - REDRIVABLE_DAYS * 86400 - 1 }, "STANDARD", now)).toBe("Execution redrivable period exceeded");
  const full = Array.from({ length: HISTORY_EVENT_LIMIT }, (_, i) => ({ id: i + 1, previousEventId: i, timestamp: now, type: "PassStateEntered" }));
  expect(notRedrivableReason({ ...rec, events: full }, "STANDARD", now)).toBe("Execution history event limit exceeded");
  for (const status of ["TIMED_OUT", "ABORTED"] as const) expect(notRedrivableReason({ ...rec, status }, "STANDARD", now)).toBeUndefined();
});

test("over the API: a Standard execution that stopped more than 14 days ago is NOT_REDRIVABLE and its redrive refused", async () => {
  // An execution kept in a data folder since it failed 15 days ago (the endpoint keeps executions across restarts).
  const oldDir = mkdtempSync(join(tmpdir(), "redrive-old-"));
  const machineName = machines[0]!.name;
  const stateMachineArn = `arn:aws:states:us-east-1:000000000000:stateMachine:${machineName}`;
  const now = Date.now() / 1000;
  const rec: ExecutionRecord = {
    executionArn: `${stateMachineArn.replace(":stateMachine:", ":execution:")}:old`,
    stateMachineArn,
    name: "old",
    status: "FAILED",
    startDate: now - 15 * 86400 - 10,
    stopDate: now - 15 * 86400,
    input: "{}",
    error: "Boom",
    events: [{ id: 1, previousEventId: 0, timestamp: now - 15 * 86400 - 10, type: "ExecutionStarted", executionStartedEventDetails: { input: "{}" } }],
  };
  mkdirSync(join(oldDir, "executions"), { recursive: true });
  writeFileSync(join(oldDir, "executions", `${machineName}__old.json`), JSON.stringify(rec));
  const old = await startLocalStepFunctions({
    machinesDir: dir,
    machines,
    substitutions: SUBS,
    deps: { dynamo: db, outbox: new SnsOutbox(undefined) },
    dataDir: oldDir,
  });
  const client = new SFNClient({ endpoint: old.endpoint, region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "x" }, maxAttempts: 1 });
  try {
    expect(await client.send(new DescribeExecutionCommand({ executionArn: rec.executionArn }))).toMatchObject({
      status: "FAILED",
      redriveStatus: "NOT_REDRIVABLE",
      redriveStatusReason: "Execution redrivable period exceeded",
    });
    await expect(client.send(new RedriveExecutionCommand({ executionArn: rec.executionArn }))).rejects.toMatchObject({
      name: "ExecutionNotRedrivable",
      message: "Execution redrivable period exceeded",
    });
  } finally {
    client.destroy();
    await old.close();
  }
});
