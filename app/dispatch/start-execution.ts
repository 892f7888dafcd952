import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { executionArnOf, newSfnClient } from "../executions/sfn-client.js";
import type { Deadline } from "../deadline.js";
import { machineArn, MACHINES, type MachineKey } from "./machines.js";
import { DeadlineExceededError } from "../errors.js";

let client: SFNClient | undefined;

/** One client per process: the SDK reads the region and `AWS_ENDPOINT_URL_SFN` from the environment. */
export function sfnClient(): SFNClient {
  client ??= newSfnClient("webhook");
  return client;
}

/** Tests point `AWS_ENDPOINT_URL_SFN` elsewhere; production never calls this. */
export function resetSfnClient(): void {
  client?.destroy();
  client = undefined;
}

export interface Started {
  executionArn: string | undefined;
  name: string;
  /** false when an execution of that name already existed: a redelivery, nothing new was started. */
  started: boolean;
}

/**
 * Starts an execution under a deterministic name. Step Functions itself refuses a second execution of the same
 * name, which makes this idempotent across webhook redeliveries and concurrent deliveries. With a deadline, nothing
 * is started once it has passed and the call is aborted when it passes.
 */
export async function startExecution(machine: MachineKey, name: string, input: object, deadline?: Deadline): Promise<Started> {
  const stateMachineArn = machineArn(machine);
  const what = `StartExecution ${MACHINES[machine].name}`;
  deadline?.check(what);
  const before = Date.now();
  const send = (): Promise<Started> => startOnce(stateMachineArn, name, input, before, deadline?.signal);
  try {
    return await (deadline ? deadline.track(what, send) : send());
  } catch (err) {
    if (deadline?.expired) throw new DeadlineExceededError(`${what}: the delivery's ${deadline.ms} ms ran out`, { cause: err });
    throw err;
  }
}

async function startOnce(stateMachineArn: string, name: string, input: object, before: number, abortSignal?: AbortSignal): Promise<Started> {
  try {
    const command = new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) });
    const out = await sfnClient().send(command, abortSignal ? { abortSignal } : {});
    // Standard workflows answer a same-name, same-input start of a running execution with that execution's ARN and
    // start date: an older start date means nothing new was started (used for logs only).
    const startedNow = out.startDate ? out.startDate.getTime() >= before - 5_000 : true;
    return { executionArn: out.executionArn, name, started: startedNow };
  } catch (err) {
    if (err instanceof ExecutionAlreadyExists) {
      return { executionArn: executionArnOf(stateMachineArn, name), name, started: false };
    }
    throw err;
  }
}
