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

/** YAML text to plain data; a syntax error is reported with its line and column. Pure. */
export function parseYaml(text: string, file: string): { ok: true; raw: unknown } | { ok: false; error: ConfigProblem } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  const yamlError = doc.errors[0];
  if (yamlError) {
    // Without prettyErrors the error carries only an offset: the line counter turns it into line and column.
    const line = yamlError.linePos?.[0] ?? lineCounter.linePos(yamlError.pos[0]);
    const field = line ? `line ${line.line}, column ${line.col}` : "(yaml)";
    const at = line ? { line: line.line, column: line.col } : {};
    return { ok: false, error: { file, field, problem: yamlError.message.split("\n")[0] ?? "invalid YAML", ...at } };
  }
  return { ok: true, raw: doc.toJS() };
}
