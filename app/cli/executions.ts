import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient } from "@aws-sdk/client-sfn";
import { Command, Option } from "commander";
import { connectForCli } from "../../infra/local/embedded.js";
import { MACHINES, type MachineKey } from "../dispatch/machines.js";
import { sdkTimeouts } from "../outbound.js";
import { stepsFromHistory } from "../executions/history.js";
import { executionHistory, recentExecutions } from "../executions/query.js";
import { isMain, parseCommand, printRows, STD_IO, UsageError, type CliIo } from "./format.js";

function program(): Command {
  return new Command("npm run executions --")
    .description(
      "Recent executions of the two state machines, or one execution's state-by-state history.\n" +
        "Uses the Step Functions API: the embedded endpoint by default, AWS when the state machine ARNs are set.",
    )
    .argument("[name]", "an execution name (or ARN) to show state by state")
    .addOption(new Option("--machine <machine>", "only this machine").choices(Object.values(MACHINES).map((m) => m.name)))
    .addOption(new Option("--limit <n>", "how many recent executions per machine").default("20").argParser((v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, not '${v}'`);
      return String(n);
    }))
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .addHelpText("after", "\nExamples:\n  npm run executions\n  npm run executions -- onboard-91e131ea67f8a81c-acme-alice-dev\n");
}

function seconds(start?: Date, stop?: Date): string {
  return start && stop ? ((stop.getTime() - start.getTime()) / 1000).toFixed(2) : "";
}

export async function main(argv: string[], io: CliIo = STD_IO): Promise<number> {
  const cmd = program();
  const early = await parseCommand(cmd, argv, io, "executions");
  if (early !== undefined) return early;
  const name = cmd.args[0];
  const opts = cmd.opts<{ machine?: string; limit: string; format: "table" | "json" }>();
  const conn = await connectForCli();
  const sfn = new SFNClient({ ...sdkTimeouts() });
  try {
    const machines = (Object.keys(MACHINES) as MachineKey[])
      .filter((k) => !opts.machine || MACHINES[k].name === opts.machine)
      .map((k) => ({ name: MACHINES[k].name, arn: process.env[MACHINES[k].env] ?? "" }))
      .filter((m) => m.arn !== "");
    if (machines.length === 0) throw new UsageError("no state machine ARN is configured (MEMBER_ONBOARDING_STATE_MACHINE_ARN / WORKFLOW_RUN_COST_STATE_MACHINE_ARN)");

    if (name) {
      const candidates = name.startsWith("arn:") ? [name] : machines.map((m) => `${m.arn.replace(":stateMachine:", ":execution:")}:${name}`);
      for (const executionArn of candidates) {
        let d;
        try {
          d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        } catch (err) {
          if (err instanceof ExecutionDoesNotExist) continue;
          throw err;
        }
        const steps = stepsFromHistory(await executionHistory(sfn, executionArn));
        if (opts.format === "json") {
          io.out.write(JSON.stringify({ name: d.name, status: d.status, startDate: d.startDate, stopDate: d.stopDate, error: d.error, cause: d.cause, steps }, null, 2) + "\n");
          return 0;
        }
        io.out.write(`${d.name}  ${d.status}  ${seconds(d.startDate, d.stopDate)} s${d.error ? `\n${d.error}: ${d.cause ?? ""}` : ""}\n`);
        printRows(steps, [
          { key: "state", value: (s) => s.state },
          { key: "type", value: (s) => s.type },
          { key: "outcome", value: (s) => s.outcome },
          { key: "ms", value: (s) => s.ms },
          { key: "retries", value: (s) => s.retries || "" },
          { key: "error", value: (s) => s.error },
        ], "table", io.out);
        return 0;
      }
      throw new UsageError(`no execution named '${name}' in ${machines.map((m) => m.name).join(" or ")}`);
    }

    const rows = [];
    for (const m of machines) {
      for (const e of await recentExecutions(sfn, m.arn, Number(opts.limit))) {
        rows.push({ machine: m.name, name: e.name ?? "", status: e.status ?? "", started: e.startDate?.toISOString() ?? "", seconds: seconds(e.startDate, e.stopDate) });
      }
    }
    if (opts.format === "json") io.out.write(JSON.stringify(rows, null, 2) + "\n");
    else if (rows.length === 0) io.err.write("No executions yet.\n");
    else printRows(rows, ["machine", "name", "status", "started", "seconds"].map((k) => ({ key: k, value: (r: Record<string, string>) => r[k] })), "table", io.out);
    return 0;
  } finally {
    sfn.destroy();
    await conn.close();
  }
}

if (isMain(import.meta.url)) {
  const { runCli } = await import("./run-cli.js");
  runCli(() => main(process.argv.slice(2)));
}
