import * as z from "zod";
import { fieldPath } from "../validation.js";
import { MAX_REPORTED_PROBLEMS, parseYaml } from "./org-file.js";

/** Where the org's configuration lives: `.github/onboarding.yml` in the org's `.github` repository. */
export const CONFIG_PATH = ".github/onboarding.yml";

const slug = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, "must be a team slug (letters, digits, '.', '_' or '-')");

const teamEntry = z.union([
  slug.transform((s) => ({ slug: s.toLowerCase(), role: "member" as const })),
  z.strictObject({ slug, role: z.enum(["member", "maintainer"]).default("member") }).transform((t) => ({ slug: t.slug.toLowerCase(), role: t.role })),
]);

const pattern = z
  .string()
  .min(1, "must not be empty")
  .max(100, "must be at most 100 characters")
  .regex(/^[A-Za-z0-9*?[\]\-_.]+$/, "must be a login or a glob of one (letters, digits, '-', '*', '?')");

// A directory field's name as the directory gives it (CSV column, SCIM attribute): department, costCenter...
const fieldName = z.string().regex(/^[A-Za-z][A-Za-z0-9_.-]{0,63}$/, "must be a directory field name (letters, digits, '_', '.', '-')");
// Values are compared as text, exactly: a YAML number or boolean means its text (employeeId: 42 matches "42").
const scalar = z
  .union([z.string().min(1, "must not be empty").max(200), z.number(), z.boolean()], { error: "must be a value, or a list of alternative values" })
  .transform(String);
const condition = z.union([scalar.transform((v) => [v]), z.array(scalar).min(1, "must list at least one value").max(100, "at most 100 values")]);

/** `rules: [{when: {department: Platform}, teams: [platform]}]`: teams from the company directory. */
const ruleEntry = z.strictObject({
  when: z.record(fieldName, condition).refine((w) => Object.keys(w).length > 0, "must name at least one directory field, e.g. {department: Platform}"),
  teams: z.array(teamEntry).min(1, "must list at least one team").max(50, "at most 50 teams"),
});

export const DEFAULT_MAX_CHANGES = 50;

const configSchema = z.strictObject({
  teams: z.array(teamEntry).max(50, "at most 50 teams").default([]),
  exclude: z.array(pattern).max(500, "at most 500 patterns").default([]),
  excludeBots: z.boolean().default(true),
  dryRun: z.boolean().default(false),
  rules: z.array(ruleEntry).max(200, "at most 200 rules").default([]),
  maxChanges: z.number().int("must be a whole number").min(1, "must be at least 1").max(1_000, "must be at most 1000").default(DEFAULT_MAX_CHANGES),
});

export const CONFIG_KEYS = Object.keys(configSchema.shape);

export type TeamRole = "member" | "maintainer";
export interface TeamSpec {
  slug: string;
  role: TeamRole;
}
/** A directory rule: every named field must equal one of its values (fields compared as text, exactly). */
export interface TeamRule {
  when: Record<string, string[]>;
  teams: TeamSpec[];
}
export interface OnboardingConfig {
  teams: TeamSpec[];
  exclude: string[];
  excludeBots: boolean;
  dryRun: boolean;
  rules: TeamRule[];
  /** sync-teams refuses to apply more additions than this at once */
  maxChanges: number;
  /** Where the config came from, for logs and records. */
  source: string;
}

/** A precise, user-facing config problem: which file, which field, what is wrong. */
export interface ConfigProblem {
  file: string;
  field: string;
  problem: string;
  /** 1-based line (and column) in the file, when known: the check run's annotation goes there */
  line?: number;
  column?: number;
}

export type ConfigResult = { ok: true; config: OnboardingConfig } | { ok: false; error: ConfigProblem };

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}: ${p.field}: ${p.problem}`;
}

/** Turns a zod issue into {field, problem}; a union's issue is replaced by the branch that matched the input's shape. */
function describeIssue(issue: z.core.$ZodIssue): { field: string; problem: string } {
  if (issue.code === "invalid_union") {
    // a rule's condition: neither a value nor a list of values
    if (issue.path.length >= 3 && issue.path[0] === "rules" && issue.path[2] === "when") {
      return { field: fieldPath(issue.path), problem: "must be a value, or a list of alternative values" };
    }
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

/** Every problem of the YAML text of the org's config (not only the first), for the pull request check. Pure. */
export function onboardingProblems(text: string, file = CONFIG_PATH): { problems: ConfigProblem[]; config?: OnboardingConfig } {
  const yaml = parseYaml(text, file);
  if (!yaml.ok) return { problems: yaml.problems };
  const raw: unknown = yaml.raw ?? {};
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { problems: [{ file, field: "(root)", problem: `must be a mapping with keys ${CONFIG_KEYS.join(", ")}` }] };
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const seen = new Set<string>();
    const problems: ConfigProblem[] = [];
    for (const issue of parsed.error.issues) {
      if (problems.length >= MAX_REPORTED_PROBLEMS) break;
      const p = { file, ...describeIssue(issue) };
      const key = `${p.field}\u0000${p.problem}`;
      if (!seen.has(key)) problems.push(p);
      seen.add(key);
    }
    return { problems };
  }
  return { problems: [], config: { ...parsed.data, source: file } };
}

/** Parses the YAML text of the org's config. Pure: no I/O. */
export function parseOnboardingConfig(text: string, file = CONFIG_PATH): ConfigResult {
  const { problems, config } = onboardingProblems(text, file);
  return config ? { ok: true, config } : { ok: false, error: problems[0]! };
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
