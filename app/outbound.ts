// Every outbound HTTP call of the tasks and commands goes through here: a per-call timeout, and inside a task an
// overall budget, so that a hung call becomes a named, retryable error long before the Lambda's own timeout.
import { AsyncLocalStorage } from "node:async_hooks";
import { networkFailure } from "./network-error.js";
import { CallTimeoutError, UnreachableError } from "./errors.js";
import { readEnv } from "./env.js";

export const DEFAULT_CALL_TIMEOUT_MS = 10_000;

/** The per-call timeout: `OUTBOUND_TIMEOUT_MS` (milliseconds), else 10 s. */
export function callTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  return readEnv(env).OUTBOUND_TIMEOUT_MS ?? DEFAULT_CALL_TIMEOUT_MS;
}

const deadlines = new AsyncLocalStorage<number>();

/** Runs `fn` with a time budget: every timed call inside it gets at most what is left of `budgetMs`. */
export function withDeadline<T>(budgetMs: number, fn: () => Promise<T>): Promise<T> {
  return deadlines.run(Date.now() + budgetMs, fn);
}

/** What is left of the current budget, or undefined outside withDeadline. */
export function remainingBudgetMs(): number | undefined {
  const deadline = deadlines.getStore();
  return deadline === undefined ? undefined : deadline - Date.now();
}

function hostOf(input: Parameters<typeof fetch>[0]): string {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * A fetch for `service` that gives up after the call timeout (or the task's remaining budget, whichever is
 * shorter) with CallTimeoutError, and reports a connection failure as UnreachableError. A caller's own signal
 * still works. Octokit wraps these in its RequestError; networkFailure() finds them in its `cause`.
 */
export function timedFetch(service: string): typeof fetch {
  return async (input, init) => {
    const host = hostOf(input);
    const left = remainingBudgetMs();
    if (left !== undefined && left <= 0) throw new CallTimeoutError(service, host, 0, true);
    const ms = Math.min(callTimeoutMs(), left ?? Infinity);
    const timer = AbortSignal.timeout(ms);
    const signal = init?.signal ? AbortSignal.any([init.signal, timer]) : timer;
    try {
      // globalThis.fetch is looked up per call: test interceptors replace it after this module is loaded.
      const res = await globalThis.fetch(input, { ...init, signal });
      // The body is read here, under the same timer: Octokit swallows a failed body read and would go on with
      // a truncated answer.
      const body = res.status === 204 || res.status === 205 || res.status === 304 || init?.method === "HEAD" ? null : await res.arrayBuffer();
      const copy = new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
      Object.defineProperty(copy, "url", { value: res.url });
      return copy;
    } catch (err) {
      if (timer.aborted) throw new CallTimeoutError(service, host, ms, ms === left);
      const net = networkFailure(err, service);
      if (net?.kind === "unreachable") throw new UnreachableError(service, host, net.code);
      throw err;
    }
  };
}

/**
 * Timeouts for AWS SDK clients (`new XClient({ ...sdkTimeouts() })`): a dead endpoint fails within seconds
 * instead of the SDK's default of waiting forever, and at most two attempts.
 */
export function sdkTimeouts(): { maxAttempts: number; requestHandler: { connectionTimeout: number; requestTimeout: number } } {
  const ms = callTimeoutMs();
  return { maxAttempts: 2, requestHandler: { connectionTimeout: Math.min(ms, 3_000), requestTimeout: ms } };
}
