import * as z from "zod";
import { fieldPath } from "../validation.js";
import { parseYaml } from "./org-file.js";

/** Where the org's configuration lives: `.github/onboarding.yml` in the org's `.github` repository. */
export const CONFIG_PATH = ".github/onboarding.yml";

const slug = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "must be a team slug (letters, digits, '.', '_' or '-')");

const teamEntry = z.union([
  slug.transform((s) => ({ slug: s.toLowerCase(), role: "member" as const })),
  z
    .strictObject({ slug, role: z.enum(["member", "maintainer"]).default("member") })
    .transform((t) => ({ slug: t.slug.toLowerCase(), role: t.role })),
]);

const pattern = z
  .string()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .regex(/^[A-Za-z0-9*?[\]\-_.]+$/, "must be a login or a glob of one (letters, digits, '-', '*', '?')");

const configSchema = z.strictObject({
  teams: z.array(teamEntry).max(50, "at most 50 teams").default([]),
  exclude: z.array(pattern).max(500, "at most 500 patterns").default([]),
  excludeBots: z.boolean().default(true),
  dryRun: z.boolean().default(false),
});

export type TeamRole = "member" | "maintainer";
export interface TeamSpec {
  slug: string;
  role: TeamRole;
}
export interface OnboardingConfig {
  teams: TeamSpec[];
  exclude: string[];
  excludeBots: boolean;
  dryRun: boolean;
  /** Where the config came from, for logs and records. */
  source: string;
}

/** A precise, user-facing config problem: which file, which field, what is wrong. */
export interface ConfigProblem {
  file: string;
  field: string;
  problem: string;
}

export type ConfigResult = { ok: true; config: OnboardingConfig } | { ok: false; error: ConfigProblem };

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}: ${p.field}: ${p.problem}`;
}

/** Turns a zod issue into {field, problem}; a union's issue is replaced by the branch that matched the input's shape. */
function describeIssue(issue: z.core.$ZodIssue): { field: string; problem: string } {
  if (issue.code === "invalid_union") {
    const branch = issue.errors.find((errs) => errs[0] && !(errs[0].code === "invalid_type" && errs[0].path.length === 0));
    if (branch?.[0]) {
      const inner = describeIssue({ ...branch[0], path: [...issue.path, ...branch[0].path] });
      return inner;
    }
    return { field: fieldPath(issue.path), problem: "must be a team slug, or a mapping {slug, role}" };
  }
  if (issue.code === "unrecognized_keys") {
    return { field: fieldPath(issue.path), problem: `unknown field ${issue.keys.map((k) => `'${k}'`).join(", ")}` };
  }
  if (issue.code === "invalid_value") {
    return { field: fieldPath(issue.path), problem: `must be one of ${issue.values.map(String).join(", ")}` };
  }
  return { field: fieldPath(issue.path), problem: issue.message };
}


/** Parses the YAML text of the org's config. Pure: no I/O. */
export function parseOnboardingConfig(text: string, file = CONFIG_PATH): ConfigResult {
  const yaml = parseYaml(text, file);
  if (!yaml.ok) return yaml;
  const raw: unknown = yaml.raw ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, error: { file, field: "(root)", problem: "must be a mapping with keys teams, exclude, excludeBots, dryRun" } };
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    return { ok: false, error: { file, ...describeIssue(parsed.error.issues[0]!) } };
  }
  return { ok: true, config: { ...parsed.data, source: file } };
}

/** The fallback when the org has no config file: `DEFAULT_TEAMS`, comma-separated slugs. */
export function defaultConfig(defaultTeams: string | undefined): ConfigResult {
  const slugs = (defaultTeams ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const parsed = configSchema.safeParse({ teams: slugs });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { ok: false, error: { file: "DEFAULT_TEAMS", field: fieldPath(issue.path).replace(/^teams/, ""), problem: issue.message } };
  }
  return { ok: true, config: { ...parsed.data, source: "DEFAULT_TEAMS" } };
}
