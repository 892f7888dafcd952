import * as z from "zod";
import { MACHINES } from "./dispatch/machines.js";
import { UsageError } from "./errors.js";

/**
 * Every environment variable the app, its tasks and its commands read, validated in one place. A bad value stops
 * a command or the server with one line naming the variable (exit code 2), instead of being ignored or guessed.
 * Empty values count as unset.
 */
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export const LOG_FORMATS = ["json", "pretty"] as const;
export const BACKENDS = ["aws", "embedded"] as const;
export type Backend = (typeof BACKENDS)[number];

const unsetIfEmpty = (v: unknown): unknown => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v);
const text = z.preprocess(unsetIfEmpty, z.string().optional());
const url = z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/, error: "must be a URL such as https://example.com" }).optional());
const positiveInt = z.preprocess(
  unsetIfEmpty,
  z.coerce.number({ error: "must be a number" }).int("must be a whole number").positive("must be above 0").optional(),
);
const stateMachineArn = z.preprocess(
  unsetIfEmpty,
  z
    .string()
    .regex(
      /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/,
      "must be a state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)",
    )
    .optional(),
);

const machineArns = Object.fromEntries(Object.values(MACHINES).map((m) => [m.env, stateMachineArn])) as Record<
  (typeof MACHINES)[keyof typeof MACHINES]["env"],
  typeof stateMachineArn
>;

export const envSchema = z.object({
  LOG_LEVEL: z.preprocess(unsetIfEmpty, z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` }).default("info")),
  /** pretty: one readable line per event (the default on a terminal); json: one JSON object per line. */
  LOG_FORMAT: z.preprocess(unsetIfEmpty, z.enum(LOG_FORMATS, { error: `must be one of ${LOG_FORMATS.join(", ")}` }).optional()),
  /** Forces the backend; otherwise AWS when any AWS location below is set, else the embedded default. */
  ORG_FLOWS_BACKEND: z.preprocess(unsetIfEmpty, z.enum(BACKENDS, { error: `must be one of ${BACKENDS.join(", ")}` }).optional()),
  TABLE_NAME: text,
  AWS_ENDPOINT_URL_SFN: url,
  AWS_ENDPOINT_URL_DYNAMODB: url,
  ...machineArns,
  DATA_DIR: z.preprocess(unsetIfEmpty, z.string().default(".data")),
  OUTBOUND_TIMEOUT_MS: positiveInt,
  DEFAULT_TEAMS: text,
  GHE_HOST: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d+)?$/, "must be a host name such as github.example.com")
      .optional(),
  ),
  GHE_PROTOCOL: z.preprocess(unsetIfEmpty, z.enum(["https", "http"], { error: "must be https or http" }).default("https")),
  APP_SECRET_ARN: text,
  WEBHOOK_PROXY_URL: url,
  /** An incoming webhook (Slack, Mattermost, Google Chat...) that receives every notification, on the embedded default. */
  NOTIFY_WEBHOOK_URL: url,
  DIRECTORY_FILE: text,
  DIRECTORY_SCIM_URL: url,
  DIRECTORY_SCIM_TOKEN: text,
  /** The failed-delivery sweep inside `org-flows start` on the embedded default, in minutes; 0 turns it off. */
  REDELIVERY_INTERVAL_MINUTES: z.preprocess(
    unsetIfEmpty,
    z.coerce
      .number({ error: "must be a number" })
      .int("must be a whole number")
      .min(0, "must be 0 (off) or more")
      .max(1440, "must be at most 1440 (a day)")
      .default(5),
  ),
});

export type Env = z.infer<typeof envSchema>;

const VARIABLES = Object.keys(envSchema.shape);
let last: { key: string; env: Env } | undefined;

/** The validated environment, or a UsageError naming every bad variable. Cheap: called where a value is needed. */
export function readEnv(raw: NodeJS.ProcessEnv = process.env): Env {
  // Read on every delivery and call: parse again only when one of the variables changed (tests change them).
  const key = VARIABLES.map((k) => raw[k] ?? "\u0000").join("\u0001");
  if (last?.key === key) return last.env;
  const parsed = envSchema.safeParse(raw);
  if (parsed.success) {
    last = { key, env: parsed.data };
    return parsed.data;
  }
  const problems = parsed.error.issues.map((i) => `${String(i.path[0])} ${i.message} (got ${JSON.stringify(raw[String(i.path[0])])})`);
  throw new UsageError(problems.join("; "));
}

/** The variables that point the app at AWS (or another Step Functions/DynamoDB endpoint). */
export const AWS_LOCATIONS = ["TABLE_NAME", "AWS_ENDPOINT_URL_SFN", "AWS_ENDPOINT_URL_DYNAMODB", ...Object.values(MACHINES).map((m) => m.env)] as const;

/**
 * The one rule, shared by the server and every command: ORG_FLOWS_BACKEND when set; otherwise AWS as soon as any of
 * AWS_LOCATIONS is set, else the embedded default (with its data under DATA_DIR).
 */
export function backend(env: Env = readEnv()): Backend {
  if (env.ORG_FLOWS_BACKEND) return env.ORG_FLOWS_BACKEND;
  return AWS_LOCATIONS.some((k) => env[k as keyof Env] !== undefined) ? "aws" : "embedded";
}
