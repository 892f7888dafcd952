import { httpStatusOf, isRateLimited } from "../http-status.js";
import { networkFailure } from "../network-error.js";

/**
 * Errors a task throws, by name: the state machines retry `TransientError` with back-off and catch everything
 * else into the failure notification. The message is what the admin reads, so it says what to fix.
 */
export class TransientError extends Error {
  override name = "TransientError";
}

export class InvalidInputError extends Error {
  override name = "InvalidInput";
}

export class ConfigurationError extends Error {
  override name = "ConfigurationError";
}

export class UpstreamError extends Error {
  override name = "UpstreamError";
}

/**
 * Sorts a failed call to GitHub or a directory into retryable or not, without leaking response bodies. A call
 * that got no answer (timeout, DNS, refused, reset) is transient and says which host could not be reached.
 */
export function classify(err: unknown, what: string, service = "GitHub"): Error {
  if (err instanceof TransientError || err instanceof UpstreamError || err instanceof ConfigurationError) return err;
  const net = networkFailure(err, service);
  if (net) return new TransientError(`${what}: ${net.message}`);
  const status = httpStatusOf(err);
  if (status === undefined) {
    const msg = err instanceof Error ? err.message : String(err);
    return new TransientError(`${what}: ${msg}`);
  }
  if (isRateLimited(err)) return new TransientError(`${what}: GitHub rate limit (HTTP ${status})`);
  if (status >= 500) return new TransientError(`${what}: HTTP ${status}`);
  if (status === 401 || status === 403) {
    return new ConfigurationError(`${what}: HTTP ${status}; check the app's permissions or the credentials`);
  }
  return new UpstreamError(`${what}: HTTP ${status}`);
}
