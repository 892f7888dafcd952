import { pino, type DestinationStream, type Logger } from "pino";
import { readEnv } from "./env.js";
import { sourceMappedStack } from "./source-mapped-stack.js";

/** What may be logged about an error: never its `event` (Probot attaches the whole payload), request or response. */
export interface SafeError {
  type: string;
  message: string;
  status?: number;
  stack?: string;
  errors?: SafeError[];
}

export function safeError(err: unknown): SafeError {
  if (!(err instanceof Error)) return { type: typeof err, message: "non-Error value thrown" };
  const out: SafeError = { type: err.name, message: err.message };
  if ("status" in err && typeof err.status === "number") out.status = err.status;
  if (err.stack) out.stack = sourceMappedStack(err.stack);
  if (err instanceof AggregateError) out.errors = err.errors.map(safeError);
  return out;
}

/** A delivery is named by id, event and action; its payload carries member data and never reaches the logs. */
function safeEvent(event: unknown): unknown {
  if (typeof event !== "object" || event === null) return event;
  const e = event as { id?: unknown; name?: unknown; payload?: { action?: unknown } };
  return { id: e.id, name: e.name, action: e.payload?.action };
}

/** Probot's request logging: `GitHub request: METHOD URL - status`, with the request body as the fields. */
const GITHUB_REQUEST = /^GitHub request: [A-Z]+ /;

/**
 * At debug level Probot logs every GitHub request with its body as the log fields: check-run summaries, team
 * roles, whatever a call sends (names, emails). The line keeps its method, URL and status; the body is replaced by
 * the names of its fields.
 */
function withoutRequestBodies(this: Logger, args: Parameters<Logger["info"]>, method: (...a: unknown[]) => void): void {
  const [fields, msg] = args as unknown[];
  if (typeof msg === "string" && GITHUB_REQUEST.test(msg) && fields !== null && typeof fields === "object") {
    method.apply(this, [{ body: "[omitted]", bodyFields: Object.keys(fields).slice(0, 20) }, msg, ...(args as unknown[]).slice(2)]);
    return;
  }
  method.apply(this, args as unknown[]);
}

/**
 * The logger handed to Probot and used by the Lambda entry: JSON lines on stdout for CloudWatch. Probot logs an
 * error with the raw payload attached (`err.event`) and, at debug level, `{ event }` on every receive; these
 * serializers keep only names and messages, whatever the level. Writing through process.stdout keeps it
 * synchronous on Lambda (a pipe on Linux) so nothing is lost when the sandbox freezes. The server's command may
 * pass a pretty-printing destination instead (app/cli/log-destination.ts).
 */
export function createLogger(env = process.env, destination: DestinationStream = process.stdout): Logger {
  return oneName(
    pino(
      {
        level: readEnv(env).LOG_LEVEL,
        base: null,
        formatters: { level: (label) => ({ level: label }) },
        serializers: { err: safeError, error: safeError, event: safeEvent, payload: () => "[omitted]" },
        hooks: { logMethod: withoutRequestBodies },
      },
      destination,
    ),
  );
}

/**
 * Probot names its loggers in layers (`probot`, then `event`, `github`...) and pino writes every layer's `name`
 * into the line, so a JSON line would carry the key twice. Inner names become a message prefix instead.
 */
function oneName(root: Logger): Logger {
  type Child = (this: Logger, bindings: Record<string, unknown>, options?: { msgPrefix?: string }) => Logger;
  const original = root.child as unknown as Child;
  const named = new WeakSet<Logger>();
  const child: Child = function (bindings, options) {
    if (named.has(this) && typeof bindings.name === "string") {
      const { name, ...rest } = bindings;
      const c = original.call(this, rest, { ...options, msgPrefix: `${name}: ` });
      named.add(c);
      return c;
    }
    const c = original.call(this, bindings, options);
    if (named.has(this) || "name" in bindings) named.add(c);
    return c;
  };
  // pino's children are created from their parent (Object.create), so they all inherit this one method.
  root.child = child as unknown as Logger["child"];
  return root;
}
