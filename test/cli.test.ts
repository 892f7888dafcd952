import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { COMMANDS } from "../app/cli/commands.js";
import { colourFor, type CliIo } from "../app/cli/format.js";
import { dispatch } from "../app/cli/org-flows.js";

/** The `org-flows` command line: one entry point, one help style, exit codes 0/1/2, stdout only for output. */
function buffers(): CliIo & { text(): { out: string; err: string } } {
  let out = "";
  let err = "";
  return { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) }, text: () => ({ out, err }) };
}

const BIN = new URL("../app/cli/bin.mjs", import.meta.url).pathname;
const run = promisify(execFile);

describe("dispatch", () => {
  test("--version prints the package's version alone", async () => {
    const io = buffers();
    expect((await dispatch(["--version"], io)).code).toBe(0);
    expect(io.text().out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  test("--help lists every command; no command at all is a usage error on stderr", async () => {
    const help = buffers();
    expect((await dispatch(["--help"], help)).code).toBe(0);
    for (const c of COMMANDS) expect(help.text().out).toContain(`  ${c.name} `);
    expect(help.text().out).toContain("Exit codes: 0");
    const none = buffers();
    expect((await dispatch([], none)).code).toBe(2);
    expect(none.text().out).toBe("");
    expect(none.text().err).toContain("Usage: org-flows <command>");
  });

  test("an unknown command exits 2 with one line naming the commands", async () => {
    const io = buffers();
    expect((await dispatch(["reprot"], io)).code).toBe(2);
    expect(io.text().err.trim().split("\n")).toHaveLength(1);
    expect(io.text().err).toContain("unknown command 'reprot'");
  });

  test.each(COMMANDS.map((c) => [c.name]))("%s --help: one usage line, one help flag, required options marked, examples", async (name) => {
    const io = buffers();
    expect((await dispatch([name, "--help"], io)).code).toBe(0);
    const text = io.text().out;
    expect(text).toMatch(new RegExp(`^Usage: org-flows ${name} `));
    expect(text).toContain("-h, --help         show this help".slice(0, 10));
    expect(text.match(/--help/g)).toHaveLength(1);
    expect(text).not.toMatch(/npm run/);
    expect(text).not.toMatch(/default: "\d+"/);
    if (/--org <org>/.test(text)) expect(text).toMatch(/--org <org>\s+.*\(required/);
  });

  test("a bad option exits 2 with one line", async () => {
    const io = buffers();
    expect((await dispatch(["members", "--org", "acme", "--format", "xml"], io)).code).toBe(2);
    expect(io.text().err.trim().split("\n")).toHaveLength(1);
  });
});

describe("colour", () => {
  test("only on a terminal, never with NO_COLOR", () => {
    expect(colourFor({ isTTY: true }, {})).toBe(true);
    expect(colourFor({ isTTY: false }, {})).toBe(false);
    expect(colourFor({ isTTY: true }, { NO_COLOR: "1" })).toBe(false);
  });
});

describe("the executable", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "org-flows-cli-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("piped output is the output alone: JSON that parses, nothing else on stdout", async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dir };
    const { stdout } = await run(process.execPath, [BIN, "members", "--org", "acme", "--format", "json"], { env, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual([]);
    const version = await run(process.execPath, [BIN, "--version"], { env, timeout: 60_000 });
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  }, 90_000);

  test("a bad setting exits 2 with one line, no stack trace", async () => {
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dir, LOG_LEVEL: "verbose" } as unknown as NodeJS.ProcessEnv;
    const err = await run(process.execPath, [BIN, "members", "--org", "acme"], { env, timeout: 60_000 }).catch(
      (e: { code: number; stderr: string; stdout: string }) => e,
    );
    expect(err).toMatchObject({ code: 2, stdout: "" });
    expect((err as { stderr: string }).stderr.trim()).toBe('error: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")');
  }, 90_000);
});
