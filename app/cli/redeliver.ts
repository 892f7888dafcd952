import { newSfnClient } from "../executions/sfn-client.js";
import { Option, type Command } from "commander";
import { connectForCli } from "../../infra/local/embedded.js";
import { machineArn } from "../dispatch/machines.js";
import { appCredentials } from "../secrets.js";
import { startSweep, sweepState, type SweepState } from "../redelivery/start.js";
import { newCommand, parseCommand, STD_IO, type CliIo } from "./format.js";

function program(): Command {
  return newCommand("redeliver")
    .description(
      "Runs one redelivery sweep now (it also runs on a schedule): lists the App's webhook deliveries since the last\n" +
        "sweep and asks GitHub to redeliver every one that failed and has not succeeded since, at most 3 times per\n" +
        "delivery; a delivery still failing after that is given up with one notification. Prints the execution's name.",
    )
    .option("--wait", "follow the sweep to its end and print its counts; exit 0 only when it succeeded")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .addHelpText(
      "after",
      "\nOne sweep at a time: while one runs, this reports (and with --wait follows) it.\n\nExamples:\n  org-flows redeliver --wait\n  org-flows redeliver --wait --format json\n",
    );
}

interface Opts {
  wait?: boolean;
  format: "table" | "json";
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function main(argv: string[], io: CliIo = STD_IO, opts: { pollMs?: number } = {}): Promise<number> {
  const cmd = program();
  const early = await parseCommand(cmd, argv, io, "redeliver");
  if (early !== undefined) return early;
  const o = cmd.opts<Opts>();
  // Before anything starts: a sweep without the App's credentials would only fail later and notify.
  await appCredentials();
  const conn = await connectForCli({ io });
  const sfn = newSfnClient();
  try {
    const sweep = await startSweep(sfn, machineArn("redelivery"));
    if (!sweep.started) io.err.write(`a redelivery sweep is running already: ${sweep.name} (following it instead of starting another)\n`);
    if (!o.wait) {
      io.out.write(o.format === "json" ? `${JSON.stringify({ execution: sweep.name, started: sweep.started, status: "RUNNING" })}\n` : `${sweep.name}\n`);
      return 0;
    }
    let state: SweepState;
    for (;;) {
      state = await sweepState(sfn, sweep.executionArn);
      if (state.status !== "RUNNING") break;
      await sleep(opts.pollMs ?? 1000);
    }
    const s = state.summary;
    const result = { execution: sweep.name, status: state.status, ...(s ?? {}), ...(state.error ? { error: state.error, cause: state.cause ?? "" } : {}) };
    if (o.format === "json") io.out.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      io.out.write(
        s
          ? `${sweep.name}: ${state.status}: ${s.checked} deliveries checked, ${s.failed} failed, ${s.redelivered} redelivered, ${s.gaveUp} given up` +
              `${s.refused ? `, ${s.refused} refused by GitHub` : ""}${s.deferred ? `, ${s.deferred} left for the next sweep` : ""}\n`
          : `${sweep.name}: ${state.status}\n`,
      );
      if (state.error) io.out.write(`${state.error}: ${state.cause ?? ""}\n`);
    }
    return state.status === "SUCCEEDED" ? 0 : 1;
  } finally {
    sfn.destroy();
    await conn.close();
  }
}
