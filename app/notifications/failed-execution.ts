/**
 * The notification sent when an execution of either machine ends FAILED, TIMED_OUT or ABORTED. On AWS an
 * EventBridge rule on Step Functions' "Execution Status Change" events publishes it to the topic (the fields are
 * EventBridge input paths there); the embedded default publishes the same text to its outbox. One template for both.
 *
 * The machines do not catch a failure into a notify-then-Fail path: a failure ends the execution in the state that
 * failed, so that RedriveExecution resumes there once the cause is fixed.
 */
export interface FailedExecutionFields {
  status: string;
  stateMachineArn: string;
  name: string;
  error: string;
  cause: string;
}

export function failedExecutionMessage(f: FailedExecutionFields): string {
  return [
    `org-flows: an execution ended ${f.status}.`,
    `State machine: ${f.stateMachineArn}`,
    `Execution: ${f.name}`,
    `Error: ${f.error}`,
    `Cause: ${f.cause}`,
    "",
    `See it state by state: npx org-flows executions ${f.name}`,
    `Once the cause is fixed, resume it where it stopped (nothing is counted twice): npx org-flows executions redrive ${f.name}`,
  ].join("\n");
}

/** The fields back from failedExecutionMessage's text (the chat formatting reads it off the topic), or undefined. */
export function parseFailedExecutionMessage(text: string): FailedExecutionFields | undefined {
  const status = /^org-flows: an execution ended ([A-Z_]+)\.$/m.exec(text)?.[1];
  if (!status) return undefined;
  const field = (label: string): string => new RegExp(`^${label}: (.*)$`, "m").exec(text)?.[1]?.trim() ?? "";
  const name = field("Execution");
  if (!name) return undefined;
  return { status, stateMachineArn: field("State machine"), name, error: field("Error"), cause: field("Cause") };
}
