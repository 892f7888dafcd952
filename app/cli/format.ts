// Output helpers shared by the command-line tools: one list of columns renders as a table, JSON or CSV.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Table from "cli-table3";
import { Command, type Option } from "commander";

export const ROW_FORMATS = ["table", "json", "csv"] as const;
export type RowFormat = (typeof ROW_FORMATS)[number];

export type CellValue = string | number | boolean | null | undefined;

export interface Column<R> {
  /** JSON property and CSV header */
  key: string;
  /** table header; defaults to key */
  header?: string;
  value: (row: R) => CellValue;
  /** numbers are right-aligned in tables unless told otherwise */
  align?: "left" | "right";
}

export interface Writer {
  write(text: string): unknown;
}

function display(v: CellValue): string {
  return v === null || v === undefined ? "" : String(v);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to remove them
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * Text for a terminal: control characters (ESC of colour codes and OSC-8 links, BEL, CR...) become spaces, so a
 * name written by someone else (a workflow, a custom property, a profile) cannot rewrite the operator's screen.
 */
export function plainText(s: string): string {
  return s.replace(CONTROLS, " ");
}

// A cell starting with = + - @ (or a tab/CR) is run as a formula by spreadsheet programs: quote it as text. The same
// after any separator a spreadsheet may split on (`,`, `;`, tab): a locale that splits on `;` would otherwise make
// `x;=cmd|...` two cells, the second a formula. Real numbers are left alone so that negative amounts stay numbers.
function csvCell(v: CellValue): string {
  let s = display(v);
  if (typeof v === "string" && !/^-?\d+(\.\d+)?$/.test(s)) {
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    s = s.replace(/([,;\t])([=+\-@\t\r])/g, "$1'$2");
  }
  return /[",;\t\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** RFC 4180 CSV with a header line, CRLF line ends as the RFC says. */
export function renderCsv<R>(rows: R[], columns: Column<R>[]): string {
  const lines = [columns.map((c) => csvCell(c.key)).join(",")];
  for (const row of rows) lines.push(columns.map((c) => csvCell(c.value(row))).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

export function renderJson<R>(rows: R[], columns: Column<R>[]): string {
  const objects = rows.map((row) => Object.fromEntries(columns.map((c) => [c.key, c.value(row) ?? null])));
  return `${JSON.stringify(objects, null, 2)}\n`;
}

/** A plain (uncoloured) table; `footer` rows (e.g. a total) are appended under the data. */
export function renderTable<R>(rows: R[], columns: Column<R>[], footer: R[] = []): string {
  const sample = rows[0] ?? footer[0];
  const aligns = columns.map((c) => c.align ?? (sample !== undefined && typeof c.value(sample) === "number" ? "right" : "left"));
  const table = new Table({ head: columns.map((c) => c.header ?? c.key), colAligns: aligns, style: { head: [], border: [] } });
  for (const row of [...rows, ...footer]) table.push(columns.map((c) => plainText(display(c.value(row)))));
  return `${table.toString()}\n`;
}

/** Prints rows in the chosen format: the one entry point the CLIs share. */
export function printRows<R>(rows: R[], columns: Column<R>[], format: RowFormat, out: Writer = process.stdout, footer: R[] = []): void {
  if (format === "json") out.write(renderJson(rows, columns));
  else if (format === "csv") out.write(renderCsv(rows, columns));
  else out.write(renderTable(rows, columns, footer));
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** For text and attribute values in generated HTML/SVG. */
export function escapeHtml(value: CellValue): string {
  return display(value).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/** Where a command writes; tests pass buffers, the CLIs process.stdout/stderr. */
export interface CliIo {
  out: Writer;
  err: Writer;
}

export const STD_IO: CliIo = { out: process.stdout, err: process.stderr };

export const EXIT_USAGE = 2;

function describeOption(opt: Option): string {
  const notes: string[] = [];
  if (opt.mandatory) notes.push("required");
  if (opt.argChoices) notes.push(`one of ${opt.argChoices.join(", ")}`);
  if (opt.defaultValue !== undefined && opt.defaultValue !== false) notes.push(`default ${String(opt.defaultValue)}`);
  return notes.length ? `${opt.description} (${notes.join("; ")})` : opt.description;
}

/**
 * Every command's help looks the same: `Usage: org-flows <name> [options]`, one help flag, required options and
 * choices marked, defaults shown as values. Each command adds its description, options and examples.
 */
export function newCommand(name: string): Command {
  return new Command(`org-flows ${name}`).helpOption("-h, --help", "show this help").configureHelp({ optionDescription: describeOption });
}

/** Colour only for a terminal, and never when NO_COLOR is set to anything (https://no-color.org). */
export function colourFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(stream.isTTY) && !env.NO_COLOR;
}

/**
 * Parses argv with a commander program, reporting a bad flag on one line (no usage dump, no stack) with exit
 * code 2. Returns undefined when parsing succeeded, else the exit code (0 after --help).
 */
export async function parseCommand(
  program: { exitOverride(): unknown; configureOutput(o: object): unknown; parseAsync(argv: string[], o: { from: "user" }): Promise<unknown> },
  argv: string[],
  io: CliIo,
  name: string,
): Promise<number | undefined> {
  program.exitOverride();
  program.configureOutput({
    writeOut: (s: string) => io.out.write(s),
    writeErr: (s: string) => io.err.write(s),
    outputError: (s: string, write: (s: string) => void) => write(`${name}: ${s.trim().replace(/^error: /, "")} (see --help)\n`),
  });
  try {
    await program.parseAsync(argv, { from: "user" });
    return undefined;
  } catch (err) {
    if (typeof err === "object" && err !== null && "exitCode" in err && "code" in err) {
      return err.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    throw err;
  }
}

/** True when this module is the script node was started with (not imported by a test). */
export function isMain(metaUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  const self = fileURLToPath(metaUrl).replace(/\.[cm]?[jt]s$/, "");
  return resolve(script).replace(/\.[cm]?[jt]s$/, "") === self;
}
