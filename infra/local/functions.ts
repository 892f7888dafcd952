/** The task Lambdas, by name, as the embedded default runs them: the same modules the stack deploys. */
export type LambdaHandler = (event: unknown) => Promise<unknown>;

export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_REGION = "us-east-1";

export const TASK_FUNCTIONS: Record<string, () => Promise<LambdaHandler>> = {
  "org-flows-enrich-member": async () => (await import("../../app/tasks/enrich-member.js")).handler as LambdaHandler,
  "org-flows-price-run": async () => (await import("../../app/tasks/price-run.js")).handler as LambdaHandler,
};

export function localFunctionArn(name: string): string {
  return `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${name}`;
}
