import { taskPermissions, usedSubstitutions } from "../../infra/asl-permissions.js";

const machine = (states: Record<string, unknown>): string => JSON.stringify({ StartAt: Object.keys(states)[0], States: states });
const task = (Resource: string, Parameters: Record<string, unknown>) => ({ Type: "Task", Resource, Parameters, End: true });

describe("taskPermissions", () => {
  test("maps each optimised integration to its IAM action and placeholder, inside Map and Parallel too", () => {
    const def = machine({
      Invoke: task("arn:aws:states:::lambda:invoke", { FunctionName: "${PriceRunFunctionArn}", "Payload.$": "$" }),
      Fan: {
        Type: "Parallel",
        Branches: [{ StartAt: "Put", States: { Put: task("arn:aws:states:::dynamodb:putItem", { TableName: "${TableName}", "Item.$": "$" }) } }],
        End: true,
      },
      Each: {
        Type: "Map",
        ItemProcessor: { StartAt: "Publish", States: { Publish: task("arn:aws:states:::sns:publish", { TopicArn: "${TopicArn}", "Message.$": "$" }) } },
        End: true,
      },
    });
    expect(taskPermissions(def)).toEqual([
      { state: "Invoke", action: "lambda:InvokeFunction", placeholder: "PriceRunFunctionArn" },
      { state: "Put", action: "dynamodb:PutItem", placeholder: "TableName" },
      { state: "Publish", action: "sns:Publish", placeholder: "TopicArn" },
    ]);
  });

  test("a TransactWriteItems built by a task is granted item by item on the stack's table", () => {
    const def = machine({
      Record: task("arn:aws:states:::aws-sdk:dynamodb:transactWriteItems", { "TransactItems.$": "$.items", "ClientRequestToken.$": "$.token" }),
    });
    expect(taskPermissions(def)).toEqual([
      { state: "Record", action: "dynamodb:PutItem", placeholder: "TableName" },
      { state: "Record", action: "dynamodb:UpdateItem", placeholder: "TableName" },
      { state: "Record", action: "dynamodb:ConditionCheckItem", placeholder: "TableName" },
    ]);
  });

  test("a .sync:2 child execution: start exactly the child machine, describe/stop its executions, the managed rule", () => {
    const def = machine({
      Child: task("arn:aws:states:::states:startExecution.sync:2", { StateMachineArn: "${WorkflowRunCostStateMachineArn}", "Name.$": "$.name", Input: {} }),
    });
    expect(taskPermissions(def)).toEqual([
      { state: "Child", action: "states:StartExecution", placeholder: "WorkflowRunCostStateMachineArn" },
      { state: "Child", action: "states:DescribeExecution", placeholder: "WorkflowRunCostStateMachineArn", on: "executions" },
      { state: "Child", action: "states:StopExecution", placeholder: "WorkflowRunCostStateMachineArn", on: "executions" },
      { state: "Child", action: "events:PutTargets", placeholder: "WorkflowRunCostStateMachineArn", on: "managedRule" },
      { state: "Child", action: "events:PutRule", placeholder: "WorkflowRunCostStateMachineArn", on: "managedRule" },
      { state: "Child", action: "events:DescribeRule", placeholder: "WorkflowRunCostStateMachineArn", on: "managedRule" },
    ]);
    // A child chosen at run time cannot be granted.
    expect(() => taskPermissions(machine({ C: task("arn:aws:states:::states:startExecution.sync:2", { "StateMachineArn.$": "$.arn" }) }))).toThrow(
      /placeholders/,
    );
    expect(() =>
      taskPermissions(machine({ C: task("arn:aws:states:::states:startExecution.sync", { StateMachineArn: "${WorkflowRunCostStateMachineArn}" }) })),
    ).toThrow(/no grant known/);
  });

  test("an integration without a known grant fails the synth", () => {
    expect(() => taskPermissions(machine({ S: task("arn:aws:states:::lambda:invoke.waitForTaskToken", { FunctionName: "${PriceRunFunctionArn}" }) }))).toThrow(
      /no grant known/,
    );
    expect(() => taskPermissions(machine({ S: task("arn:aws:states:::aws-sdk:s3:getObject", {}) }))).toThrow(/no grant known/);
  });

  test("a resource not named by a placeholder cannot be granted", () => {
    expect(() => taskPermissions(machine({ S: task("arn:aws:states:::dynamodb:putItem", { TableName: "literal-table" }) }))).toThrow(/placeholders/);
    expect(() => taskPermissions(machine({ S: task("arn:aws:states:::sns:publish", { "TopicArn.$": "$.topic" }) }))).toThrow(/placeholders/);
  });

  test("unknown placeholders are refused", () => {
    expect(usedSubstitutions('{"a":"${TableName}","b":"${TableName}"}')).toEqual(["TableName"]);
    expect(() => usedSubstitutions('{"a":"${Nope}"}')).toThrow(/unknown placeholder/);
  });
});
