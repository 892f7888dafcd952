import { newSfnClient } from "../executions/sfn-client.js";
import { Option, type Command } from "commander";
import { connectForCli } from "../../infra/local/embedded.js";
import { backfillState, repositoryProgress, startBackfill, type BackfillState } from "../backfill/start.js";
import { memberBackfillState, startMemberBackfill } from "../backfill/start-members.js";
import { MACHINES, machineArn } from "../dispatch/machines.js";
import { UsageError } from "../errors.js";
import { orgInstallationId } from "../github/installation.js";
import { newCommand, parseCommand, STD_IO, type CliIo } from "./format.js";

function day(flag: string) {
  return (v: string): string => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
      throw new UsageError(`${flag} must be a date YYYY-MM-DD, not '${v}'`);
    }
    return v;
  };
}

function count(flag: string, max: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`${flag} must be a whole number from 1 to ${max}, not '${v}'`);
    return n;
  };
}

function program(): Command {
  return newCommand("backfill")
    .description(
      "Prices the workflow runs of an organisation created in a window that no delivery priced: a backfill execution\n" +
        "lists the installation's repositories and their completed runs, and prices every attempt with the same\n" +
        "workflow-run-cost machine and execution name as the webhook, so nothing is counted twice. Prints the execution's name.",
    )
    .requiredOption("--org <org>", "the organisation's login")
    .addOption(
      new Option("--since <date>", "first UTC day of the window (YYYY-MM-DD), on the runs' creation (required unless --members)").argParser(day("--since")),
    )
    .addOption(new Option("--until <date>", "last UTC day of the window, inclusive (default: today)").argParser(day("--until")))
    .option("--repo <owner/name>", "only this repository")
    .option("--members", "onboard the org's members not yet stored instead (one member-onboarding child each, one notification for all)")
    .option("--teams", "with --members: also add every member to the configured teams (same config, exclusions and dry run as a joiner)")
    .option("--wait", "follow the execution with a progress line (stderr); exit 0 only when it succeeded with no failure")
    .addOption(new Option("--concurrency <n>", "repositories backfilled at once").default(4).argParser(count("--concurrency", 40)))
    .addOption(new Option("--run-concurrency <n>", "attempts priced at once per repository").default(4).argParser(count("--run-concurrency", 40)))
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .addHelpText(
      "after",
      "\nOne backfill per organisation at a time: while one runs, another start reports the running one.\n" +
        "\nExamples:\n  org-flows backfill --org acme --since 2026-11-01 --wait\n" +
        "  org-flows backfill --org acme --since 2026-11-01 --until 2026-11-19 --repo acme/api --format json --wait\n" +
        "  org-flows backfill --org acme --members --teams --wait\n",
    );
}

interface Opts {
  org: string;
  since?: string;
  members?: boolean;
  teams?: boolean;
  until?: string;
  repo?: string;
  wait?: boolean;
  concurrency: number;
  runConcurrency: number;
  format: "table" | "json";
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function main(argv: string[], io: CliIo = STD_IO, opts: { pollMs?: number; now?: Date } = {}): Promise<number> {
  const cmd = program();
  const early = await parseCommand(cmd, argv, io, "backfill");
  if (early !== undefined) return early;
  const o = cmd.opts<Opts>();
  const now = opts.now ?? new Date();
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/.test(o.org)) throw new UsageError(`--org must be an organisation login, not '${o.org}'`);
  if (o.members) {
    if (o.since || o.until || o.repo) throw new UsageError("--members backfills members, not runs: leave out --since, --until and --repo");
    return membersBackfill(o, io, now, opts.pollMs);
  }
  if (o.teams) throw new UsageError("--teams goes with --members");
  if (!o.since) throw new UsageError("--since is required (or --members)");
  const since = o.since;
  const until = o.until ?? now.toISOString().slice(0, 10);
  if (!o.until && since > until) throw new UsageError(`--since ${since} is in the future (today is ${until}, UTC)`);
  if (until < since) throw new UsageError(`--until ${until} is before --since ${since}`);
  if (o.repo && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(o.repo)) throw new UsageError(`--repo must be owner/name, not '${o.repo}'`);
  // Before anything starts: an execution that cannot reach GitHub would only fail later and notify.
  await orgInstallationId(o.org);

  const conn = await connectForCli({ io });
  const sfn = newSfnClient();
  try {
    const arn = machineArn("backfill");
    const input = {
      org: o.org,
      from: `${since}T00:00:00Z`,
      to: `${until}T23:59:59Z`,
      repository: o.repo ?? null,
      concurrency: { repositories: o.concurrency, runs: o.runConcurrency },
    };
    const started = await startBackfill(sfn, arn, input, now);
    if (!started.started) io.err.write(`a backfill of ${o.org} is running already: ${started.name} (following it instead of starting another)\n`);
    if (!o.wait) {
      if (o.format === "json") io.out.write(`${JSON.stringify({ execution: started.name, started: started.started, status: "RUNNING" })}\n`);
      else io.out.write(`${started.name}\n`);
      return 0;
    }
    // The repository machine is named like the backfill machine (`<stack>-backfill-repository` beside
    // `<stack>-backfill`), so its ARN need not be configured.
    const repositoryArn = process.env[MACHINES.backfillRepository.env]?.trim() || arn.replace(/backfill$/, MACHINES.backfillRepository.name);
    let state: BackfillState;
    const begin = Date.now();
    for (;;) {
      state = await backfillState(sfn, started.executionArn);
      if (state.status !== "RUNNING") break;
      const p = await repositoryProgress(sfn, repositoryArn, started.name);
      io.err.write(`${started.name}: RUNNING ${Math.round((Date.now() - begin) / 1000)} s, repositories done ${p.done}, running ${p.running}\n`);
      await sleep(opts.pollMs ?? 2000);
    }
    const t = state.totals;
    const result = {
      execution: started.name,
      status: state.status,
      repositories: t.repositories,
      runs: t.runs,
      attempts: t.attempts,
      githubCalls: t.githubCalls,
      unreachable: t.unreachable,
      failures: t.failures,
      ...(state.error ? { error: state.error } : {}),
    };
    if (o.format === "json") io.out.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      io.out.write(
        `${started.name}: ${state.status}: ${t.repositories} repositories, ${t.runs} runs, ${t.attempts} attempts, ${t.githubCalls} GitHub calls for the listings\n`,
      );
      if (t.failures > 0)
        io.out.write(`${t.failures} repositories or pages had a failure: see npm run executions (failed pricing executions can be redriven)\n`);
      if (t.unreachable > 0) io.out.write(`${t.unreachable} runs were beyond GitHub's 1,000-result cap within a single second and could not be listed\n`);
      if (state.error) io.out.write(`${state.error}: ${state.cause ?? ""}\n`);
    }
    return state.status === "SUCCEEDED" && t.failures === 0 ? 0 : 1;
  } finally {
    sfn.destroy();
    await conn.close();
  }
}

/** `--members`: the member-backfill machine; prints its name, or with --wait its totals. */
async function membersBackfill(o: Opts, io: CliIo, now: Date, pollMs = 2000): Promise<number> {
  await orgInstallationId(o.org);
  const conn = await connectForCli({ io });
  const sfn = newSfnClient();
  try {
    const started = await startMemberBackfill(sfn, machineArn("memberBackfill"), { org: o.org, teams: Boolean(o.teams), concurrency: o.concurrency }, now);
    if (!started.started) io.err.write(`a member backfill of ${o.org} is running already: ${started.name} (following it instead of starting another)\n`);
    if (!o.wait) {
      io.out.write(o.format === "json" ? `${JSON.stringify({ execution: started.name, started: started.started, status: "RUNNING" })}\n` : `${started.name}\n`);
      return 0;
    }
    let state: Awaited<ReturnType<typeof memberBackfillState>>;
    for (;;) {
      state = await memberBackfillState(sfn, started.executionArn);
      if (state.status !== "RUNNING") break;
      io.err.write(`${started.name}: RUNNING\n`);
      await sleep(pollMs);
    }
    const t = state.totals;
    const result = { execution: started.name, status: state.status, ...t, ...(state.error ? { error: state.error } : {}) };
    if (o.format === "json") io.out.write(`${JSON.stringify(result, null, 2)}\n`);
    else {
      io.out.write(
        `${started.name}: ${state.status}: ${t.members} members, ${t.onboarded} onboarded, ${t.stored} stored already, ${t.excluded} excluded, ${t.teamAdds} team memberships added, ${t.failures} failed\n`,
      );
      if (state.error) io.out.write(`${state.error}: ${state.cause ?? ""}\n`);
    }
    return state.status === "SUCCEEDED" && t.failures === 0 ? 0 : 1;
  } finally {
    sfn.destroy();
    await conn.close();
  }
}
