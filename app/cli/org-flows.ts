import { readFileSync } from "node:fs";
import { COMMANDS, type CliCommand } from "./commands.js";
import { EXIT_USAGE, isMain, STD_IO, type CliIo } from "./format.js";
import { runCli } from "./run-cli.js";

/** `org-flows <command> [options]`: the one entry point of every command (see ./commands.ts). */
const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: org-flows <command> [options]",
    "",
    "A GitHub App that onboards organisation members and prices GitHub Actions runs, on AWS Step Functions",
    "or, with no AWS account, on the embedded default.",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options:",
    "  -V, --version   print the version",
    "  -h, --help      show this help; `org-flows <command> --help` shows a command's options",
    "",
    "Exit codes: 0 done, 1 failed (the line on stderr says why), 2 wrong usage (a bad option or setting).",
    "Output goes to stdout (tables, or --format json/csv for scripts); messages and logs go to stderr.",
    "",
    "Examples:",
    "  npx org-flows demo",
    "  npx org-flows members --org acme --format json | jq length",
    "  npx org-flows report --org acme --format html > chargeback.html",
    "",
  ].join("\n");
}

export async function dispatch(argv: string[], io: CliIo = STD_IO): Promise<{ code: number; command?: CliCommand }> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help") {
    const named = first === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    if (named) return { code: await (await named.load()).main(["--help"], io), command: named };
    (first === undefined ? io.err : io.out).write(overview());
    return { code: first === undefined ? EXIT_USAGE : 0 };
  }
  if (first === "-V" || first === "--version") {
    io.out.write(`${version}\n`);
    return { code: 0 };
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    io.err.write(`org-flows: unknown command '${first}' (commands: ${COMMANDS.map((c) => c.name).join(", ")}; see --help)\n`);
    return { code: EXIT_USAGE };
  }
  return { code: await (await command.load()).main(rest, io), command };
}

/** Runs a command line and sets the exit code (the executable and the npm scripts call this). */
export function run(argv: string[]): void {
  // The SDK warns on Node 20 about its releases of 2027 on every command; the README states the supported versions.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  // `org-flows ... | head` closes the pipe early: that is the reader's choice, not an error.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  const exitOnError = COMMANDS.find((c) => c.name === argv[0])?.exitOnError;
  runCli(async () => (await dispatch(argv)).code, { exitOnError });
}

if (isMain(import.meta.url)) run(process.argv.slice(2));
