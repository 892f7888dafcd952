import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import { type Command, Option } from "commander";
import { connectForCli } from "../../infra/local/embedded.js";
import { formatProblem, parseOnboardingConfig, type ConfigResult } from "../config/schema.js";
import { loadOnboardingConfig } from "../config/load.js";
import { teamSyncExecutionName } from "../dispatch/execution-name.js";
import { sfnClient, startExecution } from "../dispatch/start-execution.js";
import { ConfigurationError, UsageError } from "../errors.js";
import { notCurrentMember, orgMembershipState } from "../github/org-membership.js";
import { orgInstallationId } from "../github/installation.js";
import { teamState } from "../github/team-listing.js";
import { installationOctokit, SCOPES } from "../github/octokit.js";
import { desiredTeams } from "../teams/rules.js";
import { planDrift, syncInputs, withResults, type DriftRow, type TeamState } from "../teams/drift.js";
import { ruleEffects } from "../teams/rule-effects.js";
import { closeDynamoClient } from "../store/dynamo.js";
import { currentMembers } from "../store/members.js";
import { parseOrg } from "./report.js";
import { newCommand, parseCommand, printRows, ROW_FORMATS, STD_IO, type CliIo, type Column, type RowFormat } from "./format.js";

const COLUMNS: Column<DriftRow>[] = [
  { key: "member", value: (r) => r.member },
  { key: "team", value: (r) => r.team },
  { key: "role", value: (r) => r.role },
  { key: "action", value: (r) => r.action },
  { key: "applied", value: (r) => r.applied },
  { key: "status", value: (r) => r.status ?? null },
  { key: "detail", value: (r) => r.detail ?? null },
];

/** How long --apply waits for the team-sync execution before leaving it to run on its own. */
const WAIT_MS = 15 * 60 * 1000;

function program(): Command {
  return newCommand("sync-teams")
    .description(
      "Team drift: for every current stored member, the teams they should be in (the configured teams and the teams of\n" +
        "the directory rules they match, less exclusions) against the teams they are in on GitHub. A dry run by default:\n" +
        "prints each change. --apply makes the additions (never a removal) through the team-sync state machine, and\n" +
        "refuses to start when there are more than maxChanges (onboarding.yml, default 50). A pending invitation counts\n" +
        "as a membership. Needs the App's credentials (APP_ID, PRIVATE_KEY) and the org's installation.\n" +
        "--config FILE previews a change to onboarding.yml before it is merged: the plan with that file instead of the\n" +
        "one in force, and what each rule matches among the stored members (always a dry run; shown to the operator\n" +
        "only, never in a pull request's check run).",
    )
    .requiredOption("--org <org>", "the organisation's login, e.g. acme", parseOrg)
    .option("--apply", "make the additions (default: dry run)")
    .option("--config <file>", "an onboarding.yml to preview instead of the one in force (dry run only)")
    .addOption(new Option("--format <format>", "output format").choices([...ROW_FORMATS]).default("table"))
    .addHelpText(
      "after",
      "\nExamples:\n  npx org-flows sync-teams --org acme\n  npx org-flows sync-teams --org acme --apply --format json\n  npx org-flows sync-teams --org acme --config ./onboarding.yml\n",
    );
}

async function waitFor(executionArn: string): Promise<{ status: string; output?: string; error?: string; cause?: string }> {
  const until = Date.now() + WAIT_MS;
  for (;;) {
    const d = await sfnClient().send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== "RUNNING" && d.status !== "PENDING_REDRIVE") return { status: d.status ?? "UNKNOWN", output: d.output, error: d.error, cause: d.cause };
    if (Date.now() > until) return { status: "RUNNING" };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The operator's local copy of onboarding.yml (a preview): a file that cannot be read is a usage error. */
function localConfig(path: string): ConfigResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(`--config ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? "error"})`);
  }
  if (Buffer.byteLength(text) > 64 * 1024) throw new UsageError(`--config ${path}: larger than 64 KiB, the limit for onboarding.yml`);
  return parseOnboardingConfig(text, path);
}

export async function main(argv: string[], io: CliIo = STD_IO): Promise<number> {
  const cmd = program();
  const early = await parseCommand(cmd, argv, io, "sync-teams");
  if (early !== undefined) return early;
  const opts = cmd.opts<{ org: string; apply?: boolean; format: RowFormat; config?: string }>();
  const org = opts.org;
  if (opts.config !== undefined && opts.apply)
    throw new UsageError("--config previews a file: it cannot be combined with --apply (merge the file, then apply)");
  const preview = opts.config === undefined ? undefined : localConfig(opts.config);
  const conn = await connectForCli();
  try {
    const installationId = await orgInstallationId(org);
    // Team writes and reads need members only; the config is read with a token for the .github repository alone.
    const octokit = await installationOctokit(installationId, SCOPES.teamWrites);
    const loaded = preview ?? (await loadOnboardingConfig(await installationOctokit(installationId, SCOPES.config), org));
    if (!loaded.ok) throw new ConfigurationError(`invalid configuration, nothing done: ${formatProblem(loaded.error)}`);
    const config = loaded.config;
    const members = await currentMembers(org);
    if (preview) for (const line of ruleEffects(config.rules, members)) io.err.write(`${line}\n`);
    // Each team the plan needs is listed once, however many members it concerns.
    const slugs = [...new Set(members.flatMap((m) => desiredTeams(config, m).map((t) => t.slug)))];
    const teams = new Map<string, TeamState | null>();
    for (const slug of slugs) teams.set(slug, await teamState(octokit, org, slug));
    const plan = planDrift(members, config, teams);
    for (const slug of plan.missingTeams) io.err.write(`warning: no team '${slug}' in ${org}: nobody can be added to it\n`);
    const adds = plan.rows.filter((r) => r.action === "add").length;
    let rows = plan.rows;

    if (!opts.apply) {
      io.err.write(
        `${adds} team addition${adds === 1 ? "" : "s"} found for ${members.length} current members of ${org} (dry run: nothing changed; --apply makes them).\n`,
      );
    } else if (adds > config.maxChanges) {
      io.err.write(
        `sync-teams: ${adds} team additions found, more than maxChanges (${config.maxChanges}, ${config.source}): nothing applied. ` +
          `Check the plan (run without --apply), then raise maxChanges in onboarding.yml or apply in steps.\n`,
      );
      printRows(rows, COLUMNS, opts.format, io.out);
      return 1;
    } else if (config.dryRun) {
      io.err.write(`${adds} team addition${adds === 1 ? "" : "s"} found; onboarding.yml has dryRun: true, so nothing is applied.\n`);
    } else if (adds === 0) {
      io.err.write(`No team drift in ${org}: nothing to apply.\n`);
    } else {
      // Confirmed with GitHub before any add: a stored member may have left without the store knowing yet.
      const gone = new Set<string>();
      for (const login of new Set(rows.filter((r) => r.action === "add").map((r) => r.member))) {
        if ((await orgMembershipState(octokit, org, login)) === null) {
          gone.add(login);
          io.err.write(`skipped: ${notCurrentMember(org, login)}\n`);
        }
      }
      rows = rows.filter((r) => !gone.has(r.member));
      plan.rows = rows;
      // One execution after the other, each of at most MAX_ADDS_PER_EXECUTION additions (Step Functions' 256 KiB).
      const inputs = syncInputs(org, installationId, plan);
      const results: Parameters<typeof withResults>[1] = [];
      for (const [i, input] of inputs.entries()) {
        const name = teamSyncExecutionName(org, JSON.stringify(input.members), new Date(), randomUUID());
        const started = await startExecution("teamSync", name, input);
        const part = inputs.length > 1 ? ` (${i + 1} of ${inputs.length})` : "";
        io.err.write(`${input.changes} team addition${input.changes === 1 ? "" : "s"}: team-sync execution ${started.name} started${part}.\n`);
        const done = await waitFor(started.executionArn!);
        if (done.status !== "SUCCEEDED") {
          io.err.write(
            `team-sync execution ${started.name} ${done.status === "RUNNING" ? "is still running" : `ended ${done.status}`}${done.error ? ` (${done.error}${done.cause ? `: ${done.cause}` : ""})` : ""}; see npm run executions -- ${started.name}\n`,
          );
          printRows(withResults(rows, results), COLUMNS, opts.format, io.out);
          return 1;
        }
        results.push(...(JSON.parse(done.output ?? "[]") as Parameters<typeof withResults>[1]));
      }
      rows = withResults(rows, results);
      const failed = rows.filter((r) => r.action === "add" && !r.applied).length;
      io.err.write(`${adds - failed} of ${adds} additions applied${failed ? `; ${failed} failed (see status and detail)` : ""}.\n`);
    }
    printRows(rows, COLUMNS, opts.format, io.out);
    return rows.some((r) => r.action === "add" && opts.apply && !config.dryRun && !r.applied) ? 1 : 0;
  } finally {
    closeDynamoClient();
    await conn.close();
  }
}
