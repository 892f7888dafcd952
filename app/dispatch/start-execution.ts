import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { machineArn, type MachineKey } from "./machines.js";

let client: SFNClient | undefined;

/** One client per process: the SDK reads the region and `AWS_ENDPOINT_URL_SFN` from the environment. */
export function sfnClient(): SFNClient {
  client ??= new SFNClient({ maxAttempts: 3 });
  return client;
}

export interface Started {
  executionArn: string | undefined;
  name: string;
  /** false when an execution of that name already existed: a redelivery, nothing new was started. */
  started: boolean;
}

/**
 * Starts an execution under a deterministic name. Step Functions itself refuses a second execution of the same
 * name, which makes this idempotent across webhook redeliveries and concurrent deliveries.
 */
export async function startExecution(machine: MachineKey, name: string, input: object): Promise<Started> {
  const stateMachineArn = machineArn(machine);
  const before = Date.now();
  try {
    const out = await sfnClient().send(new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }));
    // Standard workflows answer a same-name, same-input start of a running execution with that execution's ARN and
    // start date: an older start date means nothing new was started (used for logs only).
    const startedNow = out.startDate ? out.startDate.getTime() >= before - 5_000 : true;
    return { executionArn: out.executionArn, name, started: startedNow };
  } catch (err) {
    if (err instanceof ExecutionAlreadyExists) {
      return { executionArn: `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${name}`, name, started: false };
    }
    throw err;
  }
}
