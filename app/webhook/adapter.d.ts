// The serverless adapter's per-event function (its package has no types for this file).
declare module "@probot/adapter-aws-lambda-serverless/lambda-function.js" {
  import type { Probot } from "probot";
  export default function lambdaFunction(
    probot: Probot,
    event: { headers: Record<string, string>; body: string; httpMethod?: string; path?: string },
    context: object,
  ): Promise<{ statusCode: number; body: string }>;
}
