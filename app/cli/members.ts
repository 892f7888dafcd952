import { type Command, Option } from "commander";
import { connectForCli } from "../../infra/local/embedded.js";
import type { MemberRecord } from "../records/member.js";
import { closeDynamoClient } from "../store/dynamo.js";
import { listMembers } from "../store/members.js";
import { newCommand, parseCommand, printRows, ROW_FORMATS, STD_IO, type CliIo, type Column, type RowFormat } from "./format.js";

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

function program(): Command {
  return newCommand("members")
    .description("Lists the members the app has onboarded in an organisation, as stored in DynamoDB.\nWorks on the embedded default (while `npx org-flows start` runs or after it stopped) and on AWS (set TABLE_NAME and AWS credentials).")
    .requiredOption("--org <org>", "the organisation's login, e.g. acme")
    .addOption(new Option("--format <format>", "output format").choices([...ROW_FORMATS]).default("table"))
    .addHelpText("after", "\nExamples:\n  npx org-flows members --org acme\n  npx org-flows members --org acme --format csv > members.csv\n");
}

export async function main(argv: string[], io: CliIo = STD_IO): Promise<number> {
  const cmd = program();
  const early = await parseCommand(cmd, argv, io, "members");
  if (early !== undefined) return early;
  const opts = cmd.opts<{ org: string; format: RowFormat }>();
  const conn = await connectForCli();
  try {
    const members = (await listMembers(opts.org)).sort((a, b) => a.joinedAt.localeCompare(b.joinedAt) || a.login.localeCompare(b.login));
    if (members.length === 0 && opts.format === "table") {
      io.err.write(`No members stored for ${opts.org}.\n`);
      return 0;
    }
    // JSON keeps every stored field (directory extras included); table and CSV show the usual columns.
    if (opts.format === "json") io.out.write(`${JSON.stringify(members, null, 2)}\n`);
    else printRows(members, COLUMNS, opts.format, io.out);
    return 0;
  } finally {
    closeDynamoClient();
    await conn.close();
  }
}

