import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from "aws-lambda";

/**
 * What the webhook entry reads from an invocation. API Gateway v2 (HTTP API) and Lambda Function URL events share
 * this shape (payload format 2.0); `headers` is typed loosely because test harnesses and other front doors send
 * mixed-case or missing headers.
 */
export type HttpEvent = Pick<APIGatewayProxyEventV2, "body" | "isBase64Encoded"> & {
  headers?: Record<string, string | undefined> | null;
  requestContext?: { http?: { method?: string } };
};

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

/**
 * Header names are case-insensitive (RFC 9110). API Gateway v2 lower-cases them already, other callers may not;
 * a name repeated in different cases is joined the way HTTP joins repeated fields, so an ambiguous signature
 * header simply fails to match.
 */
export function lowerCaseHeaders(headers: HttpEvent["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    const seen = out[key];
    out[key] = seen === undefined ? value : `${seen}, ${value}`;
  }
  return out;
}

/**
 * The body exactly as GitHub sent it. The signature covers these bytes, so a base64 body is decoded to bytes,
 * never to a string first (a re-encoding round trip could change them).
 */
export function rawBody(event: Pick<HttpEvent, "body" | "isBase64Encoded">): Buffer {
  return Buffer.from(event.body ?? "", event.isBase64Encoded ? "base64" : "utf8");
}

export function methodOf(event: HttpEvent): string | undefined {
  return event.requestContext?.http?.method?.toUpperCase();
}

/** A small JSON answer; GitHub shows it in the App's "Recent Deliveries", so it says what went wrong. */
export function respond(statusCode: number, body: Record<string, unknown>): HttpResult {
  return { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
