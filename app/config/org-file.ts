import type { ProbotOctokit } from "probot";
import { type Document, isScalar, LineCounter, parseDocument, visit } from "yaml";
import { httpStatusOf, isRateLimited } from "../http-status.js";
import type { ConfigProblem } from "./schema.js";

type Octokit = InstanceType<typeof ProbotOctokit>;

/** The org-wide configuration files live in the org's `.github` repository. */
export const CONFIG_REPO = ".github";
const MAX_CONFIG_BYTES = 64 * 1024;

export type OrgFile = { ok: true; file: string; text: string | null } | { ok: false; error: ConfigProblem };

/**
 * Reads one file of the org's `.github` repository (at `ref`, or its default branch) with the installation's token. Absent file or repository ->
 * `text: null`. A file that cannot be read for a reason the admin must fix (permissions, a directory, too large)
 * is a config problem; a GitHub outage or rate limit throws, so that the caller's work can be retried.
 */
export async function readOrgFile(octokit: Octokit, org: string, path: string, ref?: string): Promise<OrgFile> {
  const file = `${org}/${CONFIG_REPO}:${path}`;
  const problem = (what: string): OrgFile => ({ ok: false, error: { file, field: "(file)", problem: what } });
  try {
    // `ref`: a pull request's head or base commit; without it, the default branch (what is in force).
    const { data } = await octokit.rest.repos.getContent({ owner: org, repo: CONFIG_REPO, path, ...(ref ? { ref } : {}) });
    if (Array.isArray(data) || data.type !== "file" || !("content" in data)) return problem("is not a file");
    if (data.size > MAX_CONFIG_BYTES) return problem(`is ${data.size} bytes; at most ${MAX_CONFIG_BYTES} allowed`);
    return { ok: true, file, text: Buffer.from(data.content, "base64").toString("utf8") };
  } catch (err) {
    const code = httpStatusOf(err);
    if (code === 404) return { ok: true, file, text: null };
    if (code === 401 || (code === 403 && !isRateLimited(err))) {
      return problem(`cannot be read by the app (HTTP ${code}): grant it Contents read on ${org}/${CONFIG_REPO}`);
    }
    throw err;
  }
}

/** Aliases a config file may use: enough for sharing a list, far too few to expand a small file into a large one. */
export const MAX_YAML_ALIASES = 50;
/** Problems reported for one file: more than this is one broken file, and listing them all only costs time. */
export const MAX_REPORTED_PROBLEMS = 200;

export interface YamlDocument {
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

let last: { text: string; parsed: YamlDocument } | undefined;

/**
 * The one parse of a config text: the check reads its values and then the positions of its problems from the same
 * document (the last text parsed is kept). yaml's own `uniqueKeys` check compares every key with every other
 * (quadratic: a second of CPU for a file of thousands of keys, with the server's event loop blocked), so it is off
 * and duplicateKeys finds the same in one pass.
 */
export function parsedYaml(text: string): YamlDocument {
  if (last?.text !== text) {
    const lineCounter = new LineCounter();
    last = { text, parsed: { doc: parseDocument(text, { prettyErrors: false, uniqueKeys: false, lineCounter }), lineCounter } };
  }
  return last.parsed;
}

export type ParsedYaml = { ok: true; raw: unknown } | { ok: false; error: ConfigProblem; problems: ConfigProblem[] };

/**
 * YAML text to plain data; every syntax error (up to MAX_REPORTED_PROBLEMS) is reported with its line and column,
 * and an alias bomb is a problem like any other, never a throw. Pure.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  const { doc, lineCounter } = parsedYaml(text);
  const located = (offset: number, message: string): ConfigProblem => {
    // Without prettyErrors an error carries only an offset: the line counter turns it into line and column.
    const line = lineCounter.linePos(offset);
    return { file, field: `line ${line.line}, column ${line.col}`, problem: message, line: line.line, column: line.col };
  };
  const problems = [
    ...doc.errors.slice(0, MAX_REPORTED_PROBLEMS).map((e) => located(e.pos[0], e.message.split("\n")[0] || "invalid YAML")),
    ...duplicateKeys(doc, MAX_REPORTED_PROBLEMS).map((offset) => located(offset, "Map keys must be unique")),
  ]
    .sort((a, b) => a.line! - b.line! || a.column! - b.column!)
    .slice(0, MAX_REPORTED_PROBLEMS);
  if (problems[0]) return { ok: false, error: problems[0], problems };
  try {
    return { ok: true, raw: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) };
  } catch (err) {
    // yaml throws a ReferenceError for too many aliases (or an unresolved one): the file is refused, not the request.
    const what = err instanceof Error ? err.message.split("\n")[0]! : "cannot be read as YAML";
    const problem: ConfigProblem = { file, field: "(root)", problem: `${what} (at most ${MAX_YAML_ALIASES} aliases)`, line: 1, column: 1 };
    return { ok: false, error: problem, problems: [problem] };
  }
}

/**
 * The offsets of keys that repeat an earlier key of the same mapping (at most `max`), in one pass over the
 * document: a Set per mapping, so linear in the file's size.
 */
function duplicateKeys(doc: Document.Parsed, max: number): number[] {
  const found: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        // Scalar keys compare as the object keys they become (`1` and `'1'` are one key there); collection keys
        // by identity (never equal).
        const key = isScalar(pair.key) ? String(pair.key.value) : pair.key;
        if (seen.has(key)) {
          found.push((pair.key as { range?: [number, number, number] } | null)?.range?.[0] ?? map.range?.[0] ?? 0);
          if (found.length >= max) return visit.BREAK;
        } else seen.add(key);
      }
      return undefined;
    },
  });
  return found;
}
