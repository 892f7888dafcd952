import { type Command, Option } from "commander";
import { connectForCli } from "../../infra/local/embedded.js";
import type { MemberRecord } from "../records/member.js";
import { closeDynamoClient } from "../store/dynamo.js";
import { listMembers, listPastMemberships } from "../store/members.js";
import { fitColumns } from "./fit-width.js";
import { newCommand, parseCommand, printRows, ROW_FORMATS, STD_IO, type CellValue, type CliIo, type Column, type RowFormat } from "./format.js";

const COLUMNS: Column<MemberRecord>[] = [
  { key: "login", value: (m) => m.login },
  { key: "name", value: (m) => m.name },
  { key: "email", value: (m) => m.email },
  { key: "employeeId", value: (m) => m.employeeId },
  { key: "department", value: (m) => m.department },
  { key: "manager", value: (m) => m.manager },
  { key: "teams", value: (m) => m.teams.map((t) => `${t.slug}:${t.status}`).join(" ") },
  { key: "enrichment", value: (m) => m.enrichment },
  { key: "joinedAt", value: (m) => m.joinedAt },
];
/** The table within 120 columns: the directory's ids in --wide only, days for times, long values shortened. */
function narrow(members: MemberRecord[], columns: Column<MemberRecord>[]): Column<MemberRecord>[] {
  const day = (v: CellValue): CellValue => (typeof v === "string" && /^\d{4}-\d{2}-\d{2}T/.test(v) ? v.slice(0, 10) : v);
  const kept = columns
    .filter((c) => c.key !== "employeeId" && c.key !== "manager")
    .map((c) => (c.key === "joinedAt" || c.key === "leftAt" ? { ...c, value: (m: MemberRecord) => day(c.value(m)) } : c));
  return fitColumns(members, kept, ["name", "email", "department", "teams", "login"]);
}

/** With --all: when each leaver left (empty for current members). */
const LEFT_AT: Column<MemberRecord> = { key: "leftAt", value: (m) => m.leftAt ?? null };

function program(): Command {
  return newCommand("members")
    .description(
      "Lists the members the app has onboarded in an organisation, as stored in DynamoDB.\nWorks on the embedded default (while `npx org-flows start` runs or after it stopped) and on AWS (set TABLE_NAME and AWS credentials).",
    )
    .requiredOption("--org <org>", "the organisation's login, e.g. acme")
    .addOption(new Option("--format <format>", "output format").choices([...ROW_FORMATS]).default("table"))
    .option("--all", "include members who left (leftAt set); JSON then also lists earlier memberships of rejoiners (history)")
    .option("--wide", "the table with every column in full (it otherwise fits 120 columns: employeeId and manager in --wide, JSON or CSV)")
    .addHelpText(
      "after",
      "\nExamples:\n  npx org-flows members --org acme\n  npx org-flows members --org acme --all --format json\n  npx org-flows members --org acme --format csv > members.csv\n",
    );
}

export async function main(argv: string[], io: CliIo = STD_IO): Promise<number> {
  const cmd = program();
  const early = await parseCommand(cmd, argv, io, "members");
  if (early !== undefined) return early;
  const opts = cmd.opts<{ org: string; format: RowFormat; all?: boolean; wide?: boolean }>();
  const conn = await connectForCli({ io });
  try {
    const stored = (await listMembers(opts.org)).sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.login.localeCompare(b.login));
    // Current members by default; leavers keep their record (leftAt) and are shown with --all.
    const members = opts.all ? stored : stored.filter((m) => !m.leftAt);
    if (members.length === 0 && opts.format === "table") {
      io.err.write(`No members stored for ${opts.org}.\n`);
      return 0;
    }
    // JSON keeps every stored field (directory extras included); table and CSV show the usual columns.
    if (opts.format === "json") {
      const past = opts.all ? await listPastMemberships(opts.org) : [];
      const history = (login: string): object[] =>
        past
          .filter((p) => p.login.toLowerCase() === login.toLowerCase())
          .sort((a, b) => a.joinedAt.localeCompare(b.joinedAt))
          .map(({ joinedAt, leftAt }) => ({ joinedAt, leftAt }));
      // leftAt is always present: null for a current member.
      const rows = members.map((m) => ({ ...m, leftAt: m.leftAt ?? null, ...(opts.all ? { history: history(m.login) } : {}) }));
      io.out.write(`${JSON.stringify(rows, null, 2)}\n`);
    } else {
      const columns = opts.all ? [...COLUMNS, LEFT_AT] : COLUMNS;
      printRows(members, opts.format === "table" && !opts.wide ? narrow(members, columns) : columns, opts.format, io.out);
    }
    return 0;
  } finally {
    closeDynamoClient();
    await conn.close();
  }
}
