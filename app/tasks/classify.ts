import { httpStatusOf, isRateLimited } from "../http-status.js";
import { networkFailure } from "../network-error.js";
import { ConfigurationError, TransientError, UpstreamError } from "../errors.js";

/**
 * Sorts a failed call to GitHub or a directory into retryable or not, without leaking response bodies. A call
 * that got no answer (timeout, DNS, refused, reset) is transient and says which host could not be reached.
 */
export function classify(err: unknown, what: string, service = "GitHub"): Error {
  if (err instanceof TransientError || err instanceof UpstreamError || err instanceof ConfigurationError) return err;
  const net = networkFailure(err, service);
  if (net) return new TransientError(`${what}: ${net.message}`, { cause: err });
  const status = httpStatusOf(err);
  if (status === undefined) {
    const msg = err instanceof Error ? err.message : String(err);
    return new TransientError(`${what}: ${msg}`, { cause: err });
  }
  if (isRateLimited(err)) return new TransientError(`${what}: GitHub rate limit (HTTP ${status})`, { cause: err });
  if (status >= 500) return new TransientError(`${what}: HTTP ${status}`, { cause: err });
  if (status === 401 || status === 403) {
    return new ConfigurationError(`${what}: HTTP ${status}; check the app's permissions or the credentials`, { cause: err });
  }
  return new UpstreamError(`${what}: HTTP ${status}`, { cause: err });
}
