import type { APIGatewayProxyEventV2 } from "aws-lambda";
import { sign } from "../../app/server/signature.js";

export interface EventOptions {
  event?: string;
  delivery?: string;
  /** Sign with this secret; null leaves the signature header out. */
  secret?: string | null;
  base64?: boolean;
  /** Overrides or removes (undefined) headers after signing. */
  headers?: Record<string, string | undefined>;
}

/** An API Gateway v2 (HTTP API) event for `POST /api/github/webhooks`, signed the way GitHub signs a delivery. */
export function apiGatewayEvent(body: string, opts: EventOptions = {}): APIGatewayProxyEventV2 {
  const headers: Record<string, string | undefined> = {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/test",
    "x-github-event": opts.event ?? "ping",
    "x-github-delivery": opts.delivery ?? "00000000-0000-4000-8000-000000000001",
  };
  if (opts.secret !== null) headers["x-hub-signature-256"] = sign(opts.secret ?? "test-secret", body);
  Object.assign(headers, opts.headers);
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "POST /api/github/webhooks",
    rawPath: "/api/github/webhooks",
    rawQueryString: "",
    headers: Object.fromEntries(Object.entries(headers).filter(([, v]) => v !== undefined)) as Record<string, string>,
    requestContext: {
      accountId: "123456789012",
      apiId: "abcdef1234",
      domainName: "abcdef1234.execute-api.eu-west-1.amazonaws.com",
      domainPrefix: "abcdef1234",
      http: { method: "POST", path: "/api/github/webhooks", protocol: "HTTP/1.1", sourceIp: "140.82.115.1", userAgent: "GitHub-Hookshot/test" },
      requestId: "req-1",
      routeKey: "POST /api/github/webhooks",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: opts.base64 ? Buffer.from(body).toString("base64") : body,
    isBase64Encoded: Boolean(opts.base64),
  };
}

export const PING_BODY = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1, hook: { type: "App", id: 1, events: [] } });
