import type { ProbotOctokit } from "probot";
import { LineCounter, parseDocument } from "yaml";
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

export type ParsedYaml = { ok: true; raw: unknown } | { ok: false; error: ConfigProblem; problems: ConfigProblem[] };

/**
 * YAML text to plain data; every syntax error (up to MAX_REPORTED_PROBLEMS) is reported with its line and column,
 * and an alias bomb is a problem like any other, never a throw. Pure.
 */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const problems = doc.errors.slice(0, MAX_REPORTED_PROBLEMS).map((yamlError): ConfigProblem => {
    // Without prettyErrors the error carries only an offset: the line counter turns it into line and column.
    const line = yamlError.linePos?.[0] ?? lineCounter.linePos(yamlError.pos[0]);
    const field = line ? `line ${line.line}, column ${line.col}` : "(yaml)";
    const at = line ? { line: line.line, column: line.col } : {};
    return { file, field, problem: yamlError.message.split("\n")[0] ?? "invalid YAML", ...at };
  });
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
