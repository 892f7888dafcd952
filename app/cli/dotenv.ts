// The `.env` file Probot's setup writes and `org-flows start` / `org-flows setup aws` read. It holds the App's
// private key and webhook secret: written owner-only, and variables already set in the environment win over it.
import { chmodSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseEnv } from "node:util";
import { UsageError } from "../errors.js";

export const dotEnvPath = (dir = process.cwd()): string => join(dir, ".env");

/** The file's variables ({} when there is none); a file that cannot be read is a one-line error naming it. */
export function readDotEnv(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return {};
    throw new UsageError(`cannot read ${path} (${code ?? "error"})`);
  }
  return parseEnv(text) as Record<string, string>;
}

/** Sets each variable of the file that the environment does not set already; returns the names it set. */
export function applyDotEnv(path: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const set: string[] = [];
  for (const [k, v] of Object.entries(readDotEnv(path))) {
    if (env[k] === undefined || env[k] === "") {
      env[k] = v;
      set.push(k);
    }
  }
  return set;
}

/** One line that parseEnv reads back as `value`: double quotes with `\n` for a multi-line value such as a PEM key. */
function formatLine(key: string, value: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`cannot write ${JSON.stringify(key)} to .env: not a variable name`);
  if (value.includes("\n")) {
    if (value.includes('"')) throw new UsageError(`cannot write ${key} to .env: a multi-line value with a double quote`);
    return `${key}="${value.replace(/\r?\n/g, "\\n")}"`;
  }
  if (/^[\w@%+=:,./-]*$/.test(value)) return `${key}=${value}`;
  if (!value.includes("'")) return `${key}='${value}'`;
  if (!value.includes('"')) return `${key}="${value}"`;
  throw new UsageError(`cannot write ${key} to .env: its value holds both quote characters`);
}

/**
 * Merges `vars` into the file (other lines kept as values; comments are not kept), atomically and owner-only,
 * and returns the merged variables. Probot's setup hands the key as `"<pem>"` (quoted for its own writer): the
 * quotes are taken off here.
 */
export function updateDotEnv(path: string, vars: Record<string, string>): Record<string, string> {
  const merged = { ...readDotEnv(path) };
  for (const [k, raw] of Object.entries(vars)) {
    merged[k] = /^"[\s\S]*"$/.test(raw) && raw.includes("-----BEGIN") ? raw.slice(1, -1) : raw;
  }
  const text = `${Object.entries(merged)
    .map(([k, v]) => formatLine(k, v))
    .join("\n")}\n`;
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
  return merged;
}
