import { executionArnOf, newSfnClient } from "../executions/sfn-client.js";
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  DescribeStateMachineCommand,
  ExecutionDoesNotExist,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import { fitColumns } from "./fit-width.js";
import { findExecution, stopExecution, waitForEnd } from "../executions/stop.js";
import { type Command, Option } from "commander";
import { connectForCli } from "../../infra/local/embedded.js";
import { MACHINES, type MachineKey } from "../dispatch/machines.js";
import { stepsFromHistory } from "../executions/steps.js";
import { executionHistory, parentName, recentExecutions } from "../executions/query.js";
import { redriveOne, redriveUnsuccessful, type RedriveResult } from "../executions/redrive.js";
import { expressWhereToLook, isExpressExecutionArn, isExpressRefusal } from "../executions/express.js";
import { newCommand, parseCommand, printRows, STD_IO, type CliIo, type Column } from "./format.js";
import { UsageError } from "../errors.js";

interface ListRow {
  machine: string;
  name: string;
  status: string;
  started: string;
  seconds: number | null;
  parent: string;
}

/** How many executions per machine the list shows unless --limit says otherwise. */
const LIST_LIMIT = 20;

function program(): Command {
  return newCommand("executions")
    .description(
      "Recent executions of the app's state machines, or one execution's state-by-state history; redrive or stop one.\n" +
        "Uses the Step Functions API: the embedded endpoint by default, AWS when the state machine ARNs are set.",
    )
    .argument("[name]", "an execution name (or ARN) to show state by state; or `redrive NAME`, `redrive --failed`, `stop NAME`")
    .argument("[redriveName]", "with redrive or stop: the execution")
    .option("--failed", "with redrive: every failed, timed-out or aborted execution")
    .option("--wait", "with redrive or stop: follow the execution to its end; exit 0 only when it succeeded (redrive) or stopped (stop)")
    .option("--wide", "the list: every column in full (the table otherwise fits 120 columns)")
    .addOption(
      new Option("--since <date>", "with redrive --failed: only executions that stopped on or after this UTC day (YYYY-MM-DD)").argParser((v) => {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) throw new UsageError(`--since must be a date YYYY-MM-DD, not '${v}'`);
        return v;
      }),
    )
    .addOption(new Option("--machine <machine>", "only this machine").choices(Object.values(MACHINES).map((m) => m.name)))
    .addOption(
      new Option("--limit <n>", "how many recent executions per machine (the list says when there are more)").default(LIST_LIMIT).argParser((v) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1 || n > 1000) throw new UsageError(`--limit must be a whole number from 1 to 1000, not '${v}'`);
        return n;
      }),
    )
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .addHelpText(
      "after",
      "\nRedrive resumes a failed, timed-out or aborted Standard execution from the state that failed, under the same\n" +
        "name, once the cause is fixed (Step Functions' RedriveExecution; nothing is counted twice). Express executions\n" +
        "cannot be redriven: deliver the event again (GitHub's Redeliver) or price the run again under a new name.\n" +
        "Stop ends a running execution ABORTED (Step Functions' StopExecution); it can be redriven later.\n" +
        "\nExamples:\n  npx org-flows executions\n  npx org-flows executions onboard-91e131ea67f8a81c-acme-alice-dev\n" +
        "  npx org-flows executions redrive cost-1234-1-acme_api --wait\n  npx org-flows executions redrive --failed --since 2026-11-01\n" +
        "  npx org-flows executions stop backfill-acme-20261201T101500Z\n",
    );
}

/** Duration in seconds (a number, for JSON), or null while running. */
function seconds(start?: Date, stop?: Date): number | null {
  return start && stop ? Math.round(stop.getTime() - start.getTime()) / 1000 : null;
}

/** The machines among `machines` that run as Express workflows (asked of Step Functions, as the stack deployed them). */
async function expressMachines(sfn: SFNClient, machines: Array<{ name: string; arn: string }>): Promise<string[]> {
  const out: string[] = [];
  for (const m of machines) {
    const d = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: m.arn })).catch(() => undefined);
    if (d?.type === "EXPRESS") out.push(m.name);
  }
  return out;
}

function secondsText(s: number | null): string {
  return s === null ? "" : s.toFixed(2);
}

export async function main(argv: string[], io: CliIo = STD_IO): Promise<number> {
  const cmd = program();
  const early = await parseCommand(cmd, argv, io, "executions");
  if (early !== undefined) return early;
  const name = cmd.args[0];
  const opts = cmd.opts<{ machine?: string; limit: number; format: "table" | "json"; failed?: boolean; since?: string; wait?: boolean; wide?: boolean }>();
  const redrive = name === "redrive";
  const stop = name === "stop";
  if (redrive && !cmd.args[1] === !opts.failed) throw new UsageError("redrive takes an execution name or --failed (one of them)");
  if (stop && (!cmd.args[1] || opts.failed || opts.since)) throw new UsageError("stop takes one execution name (or ARN)");
  if (!redrive && !stop && (opts.failed || opts.since || cmd.args[1] || opts.wait))
    throw new UsageError("--failed, --since, --wait and a second name go with redrive (or stop)");
  if (opts.wait && opts.failed) throw new UsageError("--wait goes with one execution: redrive NAME --wait");
  if (opts.since && new Date(`${opts.since}T00:00:00Z`).getTime() > Date.now())
    throw new UsageError(`--since ${opts.since} is in the future (today is ${new Date().toISOString().slice(0, 10)}, UTC): nothing stopped then`);
  const conn = await connectForCli({ io });
  const sfn = newSfnClient();
  const whereToLook = (machine: string): string => expressWhereToLook(machine, conn.mode === "aws" ? "aws" : "embedded");
  try {
    const machines = (Object.keys(MACHINES) as MachineKey[])
      .filter((k) => !opts.machine || MACHINES[k].name === opts.machine)
      .map((k) => ({ name: MACHINES[k].name, arn: process.env[MACHINES[k].env] ?? "" }))
      .filter((m) => m.arn !== "");
    if (machines.length === 0)
      throw new UsageError("no state machine ARN is configured (MEMBER_ONBOARDING_STATE_MACHINE_ARN / WORKFLOW_RUN_COST_STATE_MACHINE_ARN)");

    if (stop) {
      const target = cmd.args[1]!;
      const found = await findExecution(sfn, machines, target);
      if (!found) throw new UsageError(`no execution named '${target}' in ${machines.map((m) => m.name).join(" or ")}`);
      const outcome = await stopExecution(sfn, found.executionArn, opts.wait);
      if (opts.format === "json") io.out.write(`${JSON.stringify({ machine: found.machine, name: found.name, ...outcome }, null, 2)}\n`);
      else if (outcome.stopped) io.out.write(`${found.name}: ${outcome.status}\n`);
      else io.err.write(`${found.name} is ${outcome.status}: nothing to stop (only a RUNNING execution can be stopped)\n`);
      return outcome.stopped && (!opts.wait || outcome.status === "ABORTED") ? 0 : 1;
    }

    if (redrive) {
      let results: RedriveResult[];
      if (opts.failed) {
        results = await redriveUnsuccessful(sfn, machines, opts.since ? new Date(`${opts.since}T00:00:00Z`) : undefined);
      } else {
        const target = cmd.args[1]!;
        const arns = target.startsWith("arn:") ? [{ name: "", arn: target }] : machines.map((m) => ({ name: m.name, arn: executionArnOf(m.arn, target) }));
        results = [];
        for (const a of arns) {
          try {
            results.push(await redriveOne(sfn, a.name, a.arn));
            break;
          } catch (err) {
            if (!(err instanceof ExecutionDoesNotExist)) throw err;
          }
        }
        if (results.length === 0) throw new UsageError(`no execution named '${target}' in ${machines.map((m) => m.name).join(" or ")}`);
      }
      if (opts.wait && results[0]?.outcome === "redriven") {
        const target = cmd.args[1]!;
        const found = await findExecution(sfn, machines, target);
        const end = found ? await waitForEnd(sfn, found.executionArn) : undefined;
        if (end) Object.assign(results[0], { status: end.status, ...(end.error ? { reason: `${end.error}: ${end.cause ?? ""}` } : {}) });
      }
      if (opts.format === "json") io.out.write(`${JSON.stringify(results, null, 2)}\n`);
      else if (results.length === 0) io.err.write("Nothing to redrive: no failed, timed-out or aborted execution.\n");
      else
        printRows(
          results,
          ["machine", "name", "status", "outcome", "reason"].map((k) => ({ key: k, value: (r: RedriveResult) => String(r[k as keyof RedriveResult] ?? "") })),
          "table",
          io.out,
        );
      // A refused redrive is a failure, one execution or many; with --wait so is a redrive that did not succeed.
      if (results.some((r) => r.outcome === "not_redrivable")) return 1;
      return opts.wait && results[0]?.status !== "SUCCEEDED" ? 1 : 0;
    }

    if (name) {
      const candidates = name.startsWith("arn:") ? [name] : machines.map((m) => executionArnOf(m.arn, name));
      for (const executionArn of candidates) {
        let d: DescribeExecutionCommandOutput;
        try {
          d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
        } catch (err) {
          if (err instanceof ExecutionDoesNotExist) continue;
          if (isExpressRefusal(err) && isExpressExecutionArn(executionArn)) throw new UsageError(whereToLook(executionArn.split(":").at(-3) ?? "this machine"));
          throw err;
        }
        const steps = stepsFromHistory(await executionHistory(sfn, executionArn));
        if (opts.format === "json") {
          io.out.write(
            `${JSON.stringify({ name: d.name, parent: parentName(d.input) || null, status: d.status, startDate: d.startDate, stopDate: d.stopDate ?? null, seconds: seconds(d.startDate, d.stopDate), error: d.error ?? null, cause: d.cause ?? null, redriveCount: d.redriveCount ?? 0, redriveDate: d.redriveDate ?? null, steps }, null, 2)}\n`,
          );
          return 0;
        }
        const parent = parentName(d.input);
        io.out.write(
          `${d.name}  ${d.status}  ${secondsText(seconds(d.startDate, d.stopDate))} s${parent ? `  (started by ${parent})` : ""}${d.error ? `\n${d.error}: ${d.cause ?? ""}` : ""}\n`,
        );
        printRows(
          steps,
          [
            { key: "state", value: (s) => s.state },
            { key: "type", value: (s) => s.type },
            { key: "outcome", value: (s) => s.outcome },
            { key: "ms", value: (s) => s.ms },
            { key: "retries", value: (s) => s.retries || "" },
            { key: "error", value: (s) => s.error },
          ],
          "table",
          io.out,
        );
        return 0;
      }
      const express = await expressMachines(sfn, machines);
      throw new UsageError([`no execution named '${name}' in ${machines.map((m) => m.name).join(" or ")}`, ...express.map(whereToLook)].join("\n"));
    }

    const rows: ListRow[] = [];
    // Machines that run as children: their rows name the parent execution (read from each one's input).
    const children = new Set<string>([
      MACHINES.workflowRunCost.name,
      MACHINES.backfillRepository.name,
      MACHINES.backfillPage.name,
      MACHINES.memberOnboarding.name,
    ]);
    const cut: string[] = [];
    /** Express machines: Step Functions keeps no list of their executions */
    const notListed: string[] = [];
    for (const m of machines) {
      // One more than asked: so the list can say that there are more.
      let recent: Awaited<ReturnType<typeof recentExecutions>>;
      try {
        recent = await recentExecutions(sfn, m.arn, opts.limit + 1);
      } catch (err) {
        if (!isExpressRefusal(err)) throw err;
        notListed.push(m.name);
        continue;
      }
      if (recent.length > opts.limit) cut.push(m.name);
      for (const e of recent.slice(0, opts.limit)) {
        const parent =
          children.has(m.name) && e.executionArn ? parentName((await sfn.send(new DescribeExecutionCommand({ executionArn: e.executionArn }))).input) : "";
        rows.push({
          machine: m.name,
          name: e.name ?? "",
          status: e.status ?? "",
          started: e.startDate?.toISOString().replace(/\.\d{3}Z$/, "Z") ?? "",
          seconds: seconds(e.startDate, e.stopDate),
          parent,
        });
      }
    }
    if (opts.format === "json") io.out.write(`${JSON.stringify(rows, null, 2)}\n`);
    else if (rows.length === 0) {
      if (notListed.length === 0) io.err.write("No executions yet.\n");
    } else {
      const columns: Column<ListRow>[] = [
        { key: "machine", value: (r) => r.machine },
        { key: "name", value: (r) => r.name },
        { key: "status", value: (r) => r.status },
        { key: "started", value: (r) => r.started },
        { key: "seconds", align: "right", value: (r) => secondsText(r.seconds) },
        ...(rows.some((r) => r.parent) ? [{ key: "parent", value: (r: ListRow) => r.parent }] : []),
      ];
      printRows(rows, opts.wide ? columns : fitColumns(rows, columns, ["name", "parent"]), "table", io.out);
    }
    for (const m of notListed) io.err.write(`${whereToLook(m)}\n`);
    if (cut.length > 0 && opts.format !== "json")
      io.err.write(
        `Showing the ${opts.limit} most recent executions per machine; ${cut.join(", ")} ${cut.length === 1 ? "has" : "have"} more: --limit N (up to 1000) or --machine NAME shows them.\n`,
      );
    return 0;
  } finally {
    sfn.destroy();
    await conn.close();
  }
}
