// The one place a Step Functions client is made: the webhook's (tight bounds, one per process) and a command's (the
// calls' timeouts of app/outbound.ts). The SDK reads the region and `AWS_ENDPOINT_URL_SFN` (the embedded default)
// from the environment.
import { SFNClient } from "@aws-sdk/client-sfn";
import { sdkTimeouts } from "../outbound.js";

/**
 * The webhook's bounds for one StartExecution: a connection not up within 3 s or a request silent for 5 s fails, and
 * the SDK tries twice at most; the caller's deadline aborts whatever is still running when it passes. Not tighter:
 * the local server shares one endpoint among many concurrent deliveries, and a queued connection counts against these.
 */
const WEBHOOK = {
  maxAttempts: 2,
  // Without throwOnRequestTimeout the SDK only logs a warning when requestTimeout passes.
  requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000, throwOnRequestTimeout: true },
} as const;

/** A new client: `webhook` for the delivery path, `command` for the operator's commands (the caller destroys it). */
export function newSfnClient(kind: "webhook" | "command" = "command"): SFNClient {
  return new SFNClient(kind === "webhook" ? WEBHOOK : sdkTimeouts());
}

/** An execution's ARN from its machine's ARN and its name, as Step Functions makes it (Standard executions). */
export function executionArnOf(machineArn: string, name: string): string {
  return `${machineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}
