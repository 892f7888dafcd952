import { pino, type Logger, type LevelWithSilent } from "pino";
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

const LEVELS: readonly LevelWithSilent[] = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

function level(value: string | undefined): LevelWithSilent {
  return LEVELS.find((l) => l === value) ?? "info";
}

/**
 * The logger handed to Probot and used by the Lambda entry: JSON lines on stdout for CloudWatch. Probot logs an
 * error with the raw payload attached (`err.event`) and, at debug level, `{ event }` on every receive; these
 * serializers keep only names and messages, whatever the level. Writing through process.stdout keeps it
 * synchronous on Lambda (a pipe on Linux) so nothing is lost when the sandbox freezes.
 */
export function createLogger(env = process.env): Logger {
  return pino(
    {
      level: level(env.LOG_LEVEL),
      base: null,
      formatters: { level: (label) => ({ level: label }) },
      serializers: { err: safeError, error: safeError, event: safeEvent, payload: () => "[omitted]" },
    },
    process.stdout,
  );
}
