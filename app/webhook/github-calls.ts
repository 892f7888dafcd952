import type { ProbotOctokit } from "probot";
import type { Deadline } from "../deadline.js";
import { httpStatusOf } from "../http-status.js";
import { DeadlineExceededError, GitHubTimeoutError } from "../errors.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** How GitHub calls made while answering a delivery are timed and retried. */
export interface CallPolicy {
  /** the longest one attempt may take */
  callTimeoutMs: number;
  /** GitHub calls must end this long before the delivery's deadline, so that StartExecution still fits */
  reserveMs: number;
  /** retries after the first attempt, for a 5xx, a network failure or an attempt that timed out */
  retries: number;
  /** wait before retry n (n = 1, 2...): backoffMs * 2^(n-1) */
  backoffMs: number;
  /** a retry is not started unless this much time is left after its back-off */
  minAttemptMs: number;
}

/** Scaled to the deadline, so that a short deadline (tests) keeps the same proportions as the real 8 s. */
export function callPolicy(deadlineMs: number): CallPolicy {
  return {
    callTimeoutMs: 3_000,
    reserveMs: Math.min(2_000, deadlineMs / 4),
    retries: 2,
    backoffMs: Math.min(200, deadlineMs / 40),
    minAttemptMs: Math.min(1_000, deadlineMs / 8),
  };
}

/** Errors already retried where they happened (the token request nested in a call): never retried again outside. */
const settled = new WeakSet<object>();
const guarded = new WeakSet<object>();

/** Octokit requests an installation token from within the first call that needs one, through these same hooks. */
const TOKEN_ROUTE = "POST /app/installations/{installation_id}/access_tokens";

function retryable(err: unknown): boolean {
  if (err instanceof DeadlineExceededError) return false;
  if (err instanceof GitHubTimeoutError) return true;
  // Octokit reports a network failure (DNS, refused, reset) as status 500 too.
  const status = httpStatusOf(err);
  return status === undefined || status >= 500;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** Rejects as soon as `signal` aborts, even if a layer below (a rate-limit queue) would keep `promise` waiting. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Puts every request of this delivery's Octokit under the delivery's deadline: each attempt gets an abort signal
 * (the deadline, a per-attempt timeout and the caller's own signal), the installation-token request included (it
 * goes through the same hooks), and retries are ours, bounded and never started without time to finish. Probot's
 * own retry plugin is switched off per request: its 1 s, 4 s, 9 s back-off nested around the token request is what
 * multiplied one delivery's calls far past GitHub's 10 s.
 */
export function guardOctokit(octokit: Octokit, deadline: Deadline, policy: CallPolicy = callPolicy(deadline.ms)): void {
  // Each delivery has its own Octokit (Probot creates one per event); a second guard would only nest the first.
  if (guarded.has(octokit)) return;
  guarded.add(octokit);
  const end = deadline.at - policy.reserveMs;
  // So that a call timing out while its token is being requested names the token request as what did not answer.
  let tokenRequests = 0;
  let tokenFailedAt = Number.NEGATIVE_INFINITY;

  octokit.hook.wrap("request", async (request, options) => {
    // The route template, not the URL: it names the call without the org or login in it.
    const route = `${options.method} ${options.url}`;
    const what = `GitHub ${route}`;
    const caller = options.request?.signal;
    const isToken = route === TOKEN_ROUTE;
    if (isToken) tokenRequests++;
    const attempts = (): Promise<Awaited<ReturnType<typeof request>>> =>
      deadline.track(what, async () => {
        for (let attempt = 0; ; attempt++) {
          const attemptStart = Date.now();
          const left = end - attemptStart;
          if (deadline.expired || left <= 0) throw new DeadlineExceededError(`${what} not started: no time left for GitHub calls`);
          const timeoutMs = Math.min(policy.callTimeoutMs, left);
          const timeout = AbortSignal.timeout(timeoutMs);
          const signal = AbortSignal.any(caller ? [deadline.signal, timeout, caller] : [deadline.signal, timeout]);
          let failure: unknown;
          try {
            // Set on `options` itself: the hooks inside this one are bound to this very object, not to what is passed.
            options.request = { ...options.request, signal, retries: 0 };
            return await abortable(Promise.resolve(request(options)), signal);
          } catch (err) {
            if (settled.has(err as object)) throw err;
            if (deadline.expired) failure = new DeadlineExceededError(`${what}: the delivery's ${deadline.ms} ms ran out`, { cause: err });
            else if (caller?.aborted) throw err;
            else if (timeout.aborted) {
              // The token request times out at the same moment and may already have unwound.
              const tokenStuck = tokenRequests > 0 || tokenFailedAt >= attemptStart;
              const waited = !isToken && tokenStuck ? `${TOKEN_ROUTE} (for ${route})` : route;
              failure = new GitHubTimeoutError(`no answer from GitHub to ${waited} within ${timeoutMs} ms`, { cause: err });
            } else failure = err;
          }
          const wait = policy.backoffMs * 2 ** attempt;
          const last = attempt >= policy.retries || !retryable(failure) || end - Date.now() < wait + policy.minAttemptMs;
          if (last) {
            if (isToken) tokenFailedAt = Date.now();
            if (typeof failure === "object" && failure !== null) settled.add(failure);
            throw failure;
          }
          await sleep(wait, deadline.signal);
        }
      });
    try {
      return await attempts();
    } finally {
      if (isToken) tokenRequests--;
    }
  });
}
