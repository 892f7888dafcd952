// A child process for the fault-injection test: the embedded default on a data folder, killed with SIGKILL at one
// chosen point (a state boundary, inside a task, inside the recording transaction), as a crash would kill it.
// It first lets the executions a previous kill interrupted run again (resume), then arms the kill and starts its own.
import "../../app/polyfills.js";
import { readFileSync } from "node:fs";
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { startEmbedded } from "../../infra/local/embedded.js";

interface Plan {
  /** "event:<HistoryEvent type>:<state>", "task:<state>:before|after" or "tx:<point>"; none: run to the end */
  crashAt?: string;
  executions: Array<{ name: string; input: unknown }>;
}

const plan = JSON.parse(readFileSync(process.env.CRASH_PLAN!, "utf8")) as Plan;
let armed = false;
const crash = (point: string): void => {
  if (armed && point === plan.crashAt) process.kill(process.pid, "SIGKILL");
};

const embedded = await startEmbedded({
  dataDir: process.env.DATA_DIR!,
  resume: true,
  retryIntervalMs: 0,
  taskProbe: (state, phase) => crash(`task:${state}:${phase}`),
  eventProbe: (e) => {
    const d = (e.stateEnteredEventDetails ?? e.stateExitedEventDetails) as { name?: string } | undefined;
    if (d?.name) crash(`event:${e.type}:${d.name}`);
  },
  transactionProbe: (point) => crash(`tx:${point}`),
});
await embedded.idle();
armed = true;
const sfn = new SFNClient({});
for (const e of plan.executions) {
  // One at a time, so that the kill lands in the execution that reaches the point.
  try {
    await sfn.send(
      new StartExecutionCommand({ stateMachineArn: process.env.WORKFLOW_RUN_COST_STATE_MACHINE_ARN, name: e.name, input: JSON.stringify(e.input) }),
    );
  } catch (err) {
    if (!(err instanceof ExecutionAlreadyExists)) throw err;
  }
  await embedded.idle();
}
sfn.destroy();
await embedded.stop();
process.exit(0);
