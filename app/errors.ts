/**
 * Every error this project names, in one module. `name` equals the class name (set explicitly: minified bundles
 * rename classes), because the name is a contract: the state machines retry and catch by it, the commands decide
 * their exit code by it, and logs show it. Each keeps the error it wraps as `cause`.
 */
type Options = { cause?: unknown };

/** A task failed for a reason that may pass (network, throttling, GitHub 5xx): the machines retry it with back-off. */
export class TransientError extends Error {
  override name = "TransientError";
  constructor(message: string, options?: Options) {
    super(message, options);
  }
}

/** A task was given input that does not fit its schema: a bug or a hand-made execution; never retried. */
export class InvalidInputError extends Error {
  override name = "InvalidInputError";
  constructor(message: string, options?: Options) {
    super(message, options);
  }
}

/** The org's configuration or the app's permissions need fixing by an admin; never retried. */
export class ConfigurationError extends Error {
  override name = "ConfigurationError";
  constructor(message: string, options?: Options) {
    super(message, options);
  }
}

/**
 * The org's onboarding.yml does not validate (an onboarding's input carries the problem): enrich-member refuses it
 * before any GitHub call and member-onboarding ends at its ConfigurationInvalid Fail state. Never retried.
 */
export class InvalidConfiguration extends Error {
  override name = "InvalidConfiguration";
}

/** GitHub or the directory answered a definite no (404, 422...); never retried. */
export class UpstreamError extends Error {
  override name = "UpstreamError";
  constructor(message: string, options?: Options) {
    super(message, options);
  }
}

/** A mistake of the person running a command (bad flag, missing variable): one line, exit code 2, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(message: string, options?: Options) {
    super(message, options);
  }
}

/** The app lacks a setting it cannot run without (a state machine ARN, a table). */
export class MissingConfigurationError extends Error {
  override name = "MissingConfigurationError";
  constructor(message: string, options?: Options) {
    super(message, options);
  }
}

/** A credential the operator must fix: one line, naming the variable or field. */
export class CredentialsError extends Error {
  override name = "CredentialsError";
  constructor(message: string, options?: Options) {
    super(message, options);
  }
}

/** The delivery's time ran out before something could finish (or start). */
export class DeadlineExceededError extends Error {
  override name = "DeadlineExceededError";
  constructor(message: string, options?: Options) {
    super(message, options);
  }
}

/** GitHub did not answer one attempt of a webhook-time call in time. */
export class GitHubTimeoutError extends Error {
  override name = "GitHubTimeoutError";
  constructor(message: string, options?: Options) {
    super(message, options);
  }
}

/** Thrown by the timed fetch (app/outbound.ts) when a call gets no answer in time. */
export class CallTimeoutError extends Error {
  override name = "CallTimeoutError";
  constructor(
    readonly service: string,
    readonly host: string,
    readonly ms: number,
    /** true when the task's overall time budget, not the per-call timeout, ran out */
    readonly budgetSpent = false,
  ) {
    super(budgetSpent ? `no time left to call ${service} at ${host}: the task's time budget is spent` : `no answer from ${service} at ${host} within ${ms} ms`);
  }
}

/** Thrown by the timed fetch when the connection itself failed. */
export class UnreachableError extends Error {
  override name = "UnreachableError";
  constructor(
    readonly service: string,
    readonly host: string,
    readonly code: string,
    options?: Options,
  ) {
    super(`cannot reach ${service} at ${host}: ${code}`, options);
  }
}

/** The error names a task Lambda throws that the state machines retry (checked against machines/*.asl.json). */
export const RETRIED_TASK_ERRORS = [new TransientError("").name] as const;

/** The errors the machines end with on their own (Fail states), for the commands and the notifications. */
export const MACHINE_ERRORS = {
  /** member-onboarding: the org's onboarding.yml is invalid. */
  invalidConfiguration: new InvalidConfiguration().name,
  /** workflow-run-cost: the recording lost its conditional writes to concurrent executions too many times. */
  recordingConflict: "RecordingConflict",
} as const;
