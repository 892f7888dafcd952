import { readFileSync, statSync } from "node:fs";
import { basename } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import type { Directory, DirectoryEntry, LookupHints } from "./types.js";
import { ConfigurationError } from "../errors.js";

const FIELD_RE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_FIELDS = 32;

/** Rows of people keyed by lower-cased login (and email, for the SAML hint). Pure: text in, index out. */
export function parseDirectory(text: string, format: "json" | "csv", file: string): Map<string, DirectoryEntry> {
  let rows: unknown[];
  if (format === "json") {
    try {
      rows = JSON.parse(text) as unknown[];
    } catch (err) {
      throw new ConfigurationError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    if (!Array.isArray(rows)) throw new ConfigurationError(`${file}: expected a JSON array of objects with a "login" field`);
  } else {
    try {
      rows = parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, bom: true }) as unknown[];
    } catch (err) {
      throw new ConfigurationError(`${file}: not valid CSV (${(err as Error).message})`);
    }
  }
  const index = new Map<string, DirectoryEntry>();
  rows.forEach((row, i) => {
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw new ConfigurationError(`${file}: entry ${i + 1} is not an object`);
    }
    const r = row as Record<string, unknown>;
    const login = typeof r.login === "string" ? r.login.trim() : "";
    if (!login) throw new ConfigurationError(`${file}: entry ${i + 1} has no "login"`);
    const entry: DirectoryEntry = {};
    for (const [k, v] of Object.entries(r)) {
      if (k === "login" || v === null || v === undefined || v === "") continue;
      if (!FIELD_RE.test(k)) continue; // column names become attribute names: keep them safe
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") continue;
      if (Object.keys(entry).length >= MAX_FIELDS) break;
      entry[k] = String(v);
    }
    index.set(`login:${login.toLowerCase()}`, entry);
    if (entry.email) index.set(`email:${entry.email.toLowerCase()}`, entry);
  });
  return index;
}

/** `DIRECTORY_FILE`: a JSON array or a CSV with a `login` column; re-read when the file changes. */
export class FileDirectory implements Directory {
  readonly name: string;
  private cache: { mtimeMs: number; index: Map<string, DirectoryEntry> } | undefined;

  constructor(private readonly path: string) {
    this.name = `file:${basename(path)}`;
  }

  private index(): Map<string, DirectoryEntry> {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(this.path).mtimeMs;
    } catch {
      throw new ConfigurationError(`DIRECTORY_FILE ${this.path} cannot be read`);
    }
    if (!this.cache || this.cache.mtimeMs !== mtimeMs) {
      const format = this.path.toLowerCase().endsWith(".csv") ? "csv" : "json";
      this.cache = { mtimeMs, index: parseDirectory(readFileSync(this.path, "utf8"), format, basename(this.path)) };
    }
    return this.cache.index;
  }

  async lookup(login: string, hints: LookupHints): Promise<DirectoryEntry | null> {
    const index = this.index();
    const byLogin = index.get(`login:${login.toLowerCase()}`);
    if (byLogin) return byLogin;
    for (const email of hints.emails) {
      const hit = index.get(`email:${email.toLowerCase()}`);
      if (hit) return hit;
    }
    return null;
  }
}
