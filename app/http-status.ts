import { networkFailure } from "./network-error.js";

/**
 * The HTTP status of a failed Octokit (or fetch-like) call, when the other side answered. A call that got no
 * answer (DNS, refused, reset, timeout) has none, although Octokit labels it 500: see describeCallFailure.
 */
export function httpStatusOf(err: unknown): number | undefined {
  if (typeof err !== "object" || err === null || !("status" in err) || typeof err.status !== "number") return undefined;
  return networkFailure(err) ? undefined : err.status;
}

/** GitHub signals a rate limit with 429, or with 403 plus a zero remaining quota or a Retry-After header. */
export function isRateLimited(err: unknown): boolean {
  const status = httpStatusOf(err);
  if (status === 429) return true;
  if (status !== 403 || typeof err !== "object" || err === null || !("response" in err)) return false;
  const headers = (err.response as { headers?: Record<string, string | number | undefined> } | undefined)?.headers;
  return String(headers?.["x-ratelimit-remaining"]) === "0" || headers?.["retry-after"] !== undefined;
}

/**
 * One line for a failed call: `cannot reach GitHub at api.github.com: ENOTFOUND`,
 * `no answer from GitHub at api.github.com within 10000 ms`, or `GitHub answered HTTP 502`.
 */
export function describeCallFailure(err: unknown, service = "GitHub"): string {
  const net = networkFailure(err, service);
  if (net) return net.message;
  const status = httpStatusOf(err);
  if (status !== undefined) return `${service} answered HTTP ${status}`;
  return err instanceof Error ? err.message : String(err);
}
