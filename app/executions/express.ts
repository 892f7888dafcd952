// Express workflows keep no execution history in Step Functions: ListExecutions, DescribeExecution and
// GetExecutionHistory refuse them (StateMachineTypeNotSupported, InvalidArn). Their record is the state machine's log.
// Pure: the commands decide what to print from these.

/** Whether a Step Functions error is its refusal of an Express workflow (not a failure to report as one). */
export function isExpressRefusal(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === "StateMachineTypeNotSupported") return true;
  return err.name === "InvalidArn" && /express/i.test(err.message);
}

/** Whether an execution ARN is an Express execution's (`...:express:<machine>:<name>:<id>`). */
export function isExpressExecutionArn(arn: string): boolean {
  return /^arn:[^:]+:states:[^:]*:[^:]*:express:/.test(arn);
}

/** Where the executions of an Express machine can be read instead, on AWS or on the embedded default. */
export function expressWhereToLook(machine: string, backend: "aws" | "embedded"): string {
  if (backend === "aws")
    return `${machine} runs as an Express workflow: Step Functions does not list or describe its executions; read them in its CloudWatch Logs log group (/aws/vendedlogs/states/<stack name>-${machine}).`;
  return `${machine} runs as an Express workflow: Step Functions does not list or describe its executions; the embedded engine keeps one file per execution in DATA_DIR/executions/ (${machine}__<name>__<id>.json).`;
}
