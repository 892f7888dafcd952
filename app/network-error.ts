import { CallTimeoutError, UnreachableError } from "./errors.js";
// A call that never got an HTTP answer (DNS, refused, reset, timeout) is not an HTTP status: Octokit still reports
// it as a RequestError with status 500, so "cannot reach GitHub" would read as "GitHub answered HTTP 500".

export interface NetworkFailure {
  kind: "timeout" | "unreachable";
  /** e.g. api.github.com; undefined when the error does not say */
  host: string | undefined;
  /** e.g. ENOTFOUND, ECONNREFUSED, TimeoutError */
  code: string;
  /** one line for people: `cannot reach GitHub at api.github.com: ENOTFOUND` */
  message: string;
}

const TIMEOUT_CODES = new Set([
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "TimeoutError",
  "RequestTimeout",
]);
const UNREACHABLE_CODES = new Set([
  "ENOTFOUND",
  "EAI_AGAIN",
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "EPROTO",
  "CERT_HAS_EXPIRED",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "ERR_TLS_CERT_ALTNAME_INVALID",
]);

function field(v: unknown, key: string): unknown {
  return typeof v === "object" && v !== null && key in v ? (v as Record<string, unknown>)[key] : undefined;
}

function hostOf(url: unknown): string | undefined {
  if (typeof url !== "string") return undefined;
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** The error and its causes, outermost first (a few levels: fetch nests the socket error in `cause`). */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e = err; e !== undefined && e !== null && out.length < 6; e = field(e, "cause")) out.push(e);
  return out;
}

/**
 * Tells a call that got no HTTP answer from one that did. Undefined for a real HTTP status (or anything else).
 * `service` names the other side in the message when the error does not ("GitHub", "the SCIM directory").
 */
export function networkFailure(err: unknown, service = "GitHub"): NetworkFailure | undefined {
  const links = chain(err);
  const own = links.find((e): e is CallTimeoutError | UnreachableError => e instanceof CallTimeoutError || e instanceof UnreachableError);
  if (own instanceof CallTimeoutError) return { kind: "timeout", host: own.host, code: "timeout", message: own.message };
  if (own instanceof UnreachableError) return { kind: "unreachable", host: own.host, code: own.code, message: own.message };
  // A response that arrived carries its real status in `response`; only then is `status` a real HTTP status.
  if (field(err, "response") !== undefined) return undefined;
  const host = hostOf(field(field(err, "request"), "url")) ?? links.map((e) => field(e, "hostname")).find((h): h is string => typeof h === "string");
  for (const e of links) {
    const code = field(e, "code");
    const name = field(e, "name");
    const id = typeof code === "string" ? code : typeof name === "string" ? name : undefined;
    if (id === undefined) continue;
    const at = host ? ` at ${host}` : "";
    if (TIMEOUT_CODES.has(id) || id === "AbortError") return { kind: "timeout", host, code: id, message: `no answer from ${service}${at} (${id})` };
    if (UNREACHABLE_CODES.has(id)) return { kind: "unreachable", host, code: id, message: `cannot reach ${service}${at}: ${id}` };
  }
  // fetch says "fetch failed" for any connection-level failure, with the reason (when known) in `cause`.
  if (links.some((e) => e instanceof TypeError && e.message === "fetch failed")) {
    const reason = links.map((e) => field(e, "code")).find((c): c is string => typeof c === "string") ?? "fetch failed";
    return { kind: "unreachable", host, code: reason, message: `cannot reach ${service}${host ? ` at ${host}` : ""}: ${reason}` };
  }
  return undefined;
}
