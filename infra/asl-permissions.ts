import { taskStates, type AslMachine } from "./asl.js";
import { placeholders, SUBSTITUTION_KEYS, type SubstitutionKey } from "./substitutions.js";

/**
 * The IAM permission one Task state needs: an action on the resource named by a definition placeholder.
 * Neither `DefinitionBody.fromString` nor `fromFile` grants anything from the ASL, so the stack grants exactly
 * these, derived from the same file it deploys: an integration added to a machine without a grant fails synth
 * instead of failing an execution.
 */
export interface TaskPermission {
  state: string;
  action: string;
  placeholder: SubstitutionKey;
  /**
   * What the action applies to, when not the resource the placeholder names: the executions of the machine it
   * names, or the EventBridge rule Step Functions manages for `.sync` child executions.
   */
  on?: "executions" | "managedRule";
}

/** The rule Step Functions creates in the account to learn that a `.sync` child execution ended. */
export const SYNC_MANAGED_RULE = "StepFunctionsGetEventsForStepFunctionsExecutionRule";

/**
 * Integrations -> IAM actions and where the resource comes from: the parameter naming it (a placeholder), or, for a
 * TransactWriteItems whose items the task builds, the one table of the stack (each item is authorised on its own:
 * Put, Update and ConditionCheck).
 */
type Integration = { action: string; parameter: string } | { actions: string[]; placeholder: SubstitutionKey } | { child: true; parameter: string };

/**
 * `startExecution.sync:2` (AWS's "IAM policies for Step Functions nested workflows"): start exactly the child
 * machine, describe and stop its executions (a parent stopped stops its children), and the managed rule.
 */
const CHILD_SYNC: Array<Pick<TaskPermission, "action" | "on">> = [
  { action: "states:StartExecution" },
  { action: "states:DescribeExecution", on: "executions" },
  { action: "states:StopExecution", on: "executions" },
  { action: "events:PutTargets", on: "managedRule" },
  { action: "events:PutRule", on: "managedRule" },
  { action: "events:DescribeRule", on: "managedRule" },
];

const INTEGRATIONS: Record<string, Integration> = {
  "arn:aws:states:::aws-sdk:dynamodb:transactWriteItems": {
    actions: ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"],
    placeholder: "TableName",
  },
  "arn:aws:states:::lambda:invoke": { action: "lambda:InvokeFunction", parameter: "FunctionName" },
  "arn:aws:states:::dynamodb:getItem": { action: "dynamodb:GetItem", parameter: "TableName" },
  "arn:aws:states:::dynamodb:putItem": { action: "dynamodb:PutItem", parameter: "TableName" },
  "arn:aws:states:::dynamodb:updateItem": { action: "dynamodb:UpdateItem", parameter: "TableName" },
  "arn:aws:states:::dynamodb:deleteItem": { action: "dynamodb:DeleteItem", parameter: "TableName" },
  "arn:aws:states:::sns:publish": { action: "sns:Publish", parameter: "TopicArn" },
  "arn:aws:states:::states:startExecution.sync:2": { child: true, parameter: "StateMachineArn" },
};

const isKey = (k: string): k is SubstitutionKey => (SUBSTITUTION_KEYS as readonly string[]).includes(k);

/** Every permission the definition's Task states need; throws on an integration this stack cannot grant. */
export function taskPermissions(definition: string): TaskPermission[] {
  const machine = JSON.parse(definition) as AslMachine;
  const out: TaskPermission[] = [];
  for (const [state, task] of taskStates(machine)) {
    const integration = task.Resource ? INTEGRATIONS[task.Resource] : undefined;
    if (!integration) throw new Error(`state ${state}: no grant known for Task resource ${task.Resource ?? "(none)"}; add it to infra/asl-permissions.ts`);
    if ("actions" in integration) {
      for (const action of integration.actions) out.push({ state, action, placeholder: integration.placeholder });
      continue;
    }
    const target = (task.Parameters as Record<string, unknown> | undefined)?.[integration.parameter];
    const key = typeof target === "string" ? /^\$\{([A-Za-z0-9_]+)\}$/.exec(target)?.[1] : undefined;
    if (!key || !isKey(key)) {
      throw new Error(`state ${state}: ${integration.parameter} must be one of the placeholders ${SUBSTITUTION_KEYS.join(", ")}, so the grant can name it`);
    }
    if ("child" in integration) {
      for (const p of CHILD_SYNC) out.push({ state, placeholder: key, ...p });
      continue;
    }
    out.push({ state, action: integration.action, placeholder: key });
  }
  return out;
}

/** The placeholders a definition uses, each checked against SUBSTITUTION_KEYS. */
export function usedSubstitutions(definition: string): SubstitutionKey[] {
  return placeholders(definition).map((key) => {
    if (!isKey(key)) throw new Error(`unknown placeholder \${${key}} in a state machine definition`);
    return key;
  });
}
