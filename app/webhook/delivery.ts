import { lowerCaseHeaders, methodOf, rawBody, type HttpEvent } from "./http.js";
// One signature check for both front doors (the local server and this Lambda entry).
import { verifySignature } from "../server/signature.js";

/** A delivery that passed every check: authentic, named, and a JSON object. */
export interface Delivery {
  id: string;
  name: string;
  payload: Record<string, unknown>;
  /** the raw body as received (decoded from base64 when API Gateway encoded it) and its checked signature */
  body: string;
  signature: string;
}

export type Checked =
  | { ok: true; delivery: Delivery }
  /** `signed`: a signature was given, so a newer secret might verify it */
  | { ok: false; status: 401; reason: string; signed: boolean; id?: undefined }
  | { ok: false; status: 400 | 405; reason: string; id?: string };

/** A request as both front doors see it: lower-case header names, and the body's bytes exactly as received. */
export interface RawRequest {
  /** upper-case; undefined when the caller does not say (a direct invocation) */
  method?: string;
  headers: Readonly<Record<string, string | undefined>>;
  body: Buffer;
}

/**
 * Decides whether an invocation is a genuine GitHub delivery, in the order that leaks least: the signature over the
 * raw bytes first (an unauthenticated caller learns nothing else), then the headers, then the JSON. Client faults
 * are 4xx so that GitHub's delivery log shows them as such and nothing is retried in vain.
 */
export function checkDelivery(event: HttpEvent, secret: string): Checked {
  return checkRequest({ method: methodOf(event), headers: lowerCaseHeaders(event.headers), body: rawBody(event) }, secret);
}

/** The same checks over a request the local server has already read (no re-encoding of its body). */
export function checkRequest({ method, headers, body }: RawRequest, secret: string): Checked {
  if (method !== undefined && method !== "POST") return { ok: false, status: 405, reason: "only POST is accepted" };
  const signature = headers["x-hub-signature-256"];
  if (!signature || !verifySignature(secret, body, signature)) {
    return { ok: false, status: 401, reason: "missing or invalid x-hub-signature-256", signed: Boolean(signature) };
  }
  const id = headers["x-github-delivery"]?.trim();
  const name = headers["x-github-event"]?.trim();
  if (!id || !name) return { ok: false, status: 400, reason: "missing x-github-event or x-github-delivery", ...(id ? { id } : {}) };
  // Decoded once: parsed here, and handed on as it is to the Lambda's adapter (which verifies it again).
  const text = body.toString("utf8");
  let payload: unknown;
  try {
    payload = JSON.parse(text);
  } catch {
    return { ok: false, status: 400, reason: "the body is not JSON", id };
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) {
    return { ok: false, status: 400, reason: "the body is not a JSON object", id };
  }
  return { ok: true, delivery: { id, name, payload: payload as Record<string, unknown>, body: text, signature } };
}
