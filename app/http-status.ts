/** The HTTP status of a failed Octokit (or fetch-like) call, when it has one. */
export function httpStatusOf(err: unknown): number | undefined {
  return typeof err === "object" && err !== null && "status" in err && typeof err.status === "number" ? err.status : undefined;
}

/** GitHub signals a rate limit with 429, or with 403 plus a zero remaining quota or a Retry-After header. */
export function isRateLimited(err: unknown): boolean {
  const status = httpStatusOf(err);
  if (status === 429) return true;
  if (status !== 403 || typeof err !== "object" || err === null || !("response" in err)) return false;
  const headers = (err.response as { headers?: Record<string, string | number | undefined> } | undefined)?.headers;
  return String(headers?.["x-ratelimit-remaining"]) === "0" || headers?.["retry-after"] !== undefined;
}
