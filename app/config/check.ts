import { parse } from "yaml";
import type { DirectoryFacts } from "../teams/rules.js";
import { matchingRules } from "../teams/rules.js";
import { CHARGEBACK_PATH, parseChargebackConfig } from "./chargeback.js";
import { withPositions } from "./positions.js";
import { CONFIG_PATH, onboardingProblems, type ConfigProblem, type OnboardingConfig } from "./schema.js";

/** The check run's name on the pull request. */
export const CHECK_NAME = "org-flows config";
/** GitHub takes at most 50 annotations per request. */
export const MAX_ANNOTATIONS = 50;
/** The files the check looks at, in the org's `.github` repository. */
export const CHECKED_FILES = [CONFIG_PATH, CHARGEBACK_PATH] as const;

export interface ChangedConfigFile {
  path: string;
  /** the file at the pull request's head (null: deleted) and at its base (null: new) */
  head: string | null;
  base: string | null;
  /** the head version could not be read (permissions, size) */
  headProblem?: string;
}

export interface CheckFacts {
  org: string;
  files: ChangedConfigFile[];
  /** the org's team slugs; null when they could not be listed */
  orgTeams: string[] | null;
  /** the org's current stored members; null when the store could not be read */
  members: Array<DirectoryFacts & { login: string }> | null;
}

/** As GitHub's check-run API takes it. */
export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "failure";
  title: string;
  message: string;
}

export interface CheckOutcome {
  conclusion: "success" | "failure";
  title: string;
  summary: string;
  annotations: Annotation[];
}

function annotation(path: string, p: ConfigProblem): Annotation {
  const line = p.line ?? 1;
  return { path, start_line: line, end_line: line, annotation_level: "failure", title: p.field, message: p.problem };
}

const list = (xs: string[]): string => xs.map((x) => `\`${x}\``).join(", ");

function onboardingSummary(file: ChangedConfigFile, config: OnboardingConfig, facts: CheckFacts): string[] {
  const lines: string[] = [];
  const before = file.base === null ? undefined : onboardingProblems(file.base).config;
  const slugs = config.teams.map((t) => t.slug);
  const was = before?.teams.map((t) => t.slug) ?? [];
  const added = slugs.filter((s) => !was.includes(s));
  const removed = was.filter((s) => !slugs.includes(s));
  lines.push(
    `- Teams every new member joins: ${slugs.length ? list(slugs) : "none"}${added.length ? `; added ${list(added)}` : ""}${removed.length ? `; removed ${list(removed)}` : ""}.`,
  );
  if (before && before.dryRun !== config.dryRun)
    lines.push(`- \`dryRun\` becomes \`${config.dryRun}\`: ${config.dryRun ? "no team will be changed" : "teams will be changed again"}.`);
  if (before && before.maxChanges !== config.maxChanges) lines.push(`- \`maxChanges\` becomes ${config.maxChanges} (was ${before.maxChanges}).`);
  const referenced = [...new Set([...slugs, ...config.rules.flatMap((r) => r.teams.map((t) => t.slug))])];
  if (facts.orgTeams) {
    const known = new Set(facts.orgTeams.map((t) => t.toLowerCase()));
    const missing = referenced.filter((s) => !known.has(s));
    lines.push(
      missing.length
        ? `- **Teams that do not exist in ${facts.org}:** ${list(missing)} (adds to them would fail as \`team_not_found\`).`
        : `- Every team named exists in ${facts.org}.`,
    );
  } else lines.push(`- The org's teams could not be listed: team names were not checked.`);
  config.rules.forEach((rule, i) => {
    const when = Object.entries(rule.when)
      .map(([k, v]) => `${k}: ${v.join(" | ")}`)
      .join(", ");
    const teams = list(rule.teams.map((t) => t.slug));
    if (!facts.members) {
      lines.push(`- Rule ${i + 1} (${when}) → ${teams}.`);
      return;
    }
    const matched = facts.members.filter((m) => matchingRules([rule], m).length > 0).map((m) => m.login);
    lines.push(
      matched.length
        ? `- Rule ${i + 1} (${when}) → ${teams}: matches ${matched.length} stored member${matched.length === 1 ? "" : "s"} (${list(matched.slice(0, 10))}${matched.length > 10 ? ", ..." : ""}).`
        : `- **Rule ${i + 1} (${when}) matches no stored member** → ${teams}.`,
    );
  });
  if (config.rules.length && !facts.members) lines.push(`- The stored members could not be read: rules were not matched against them.`);
  return lines;
}

/** Entries of the top-level mappings (rates, budgets...) that the change adds, changes or removes. */
function mappingChanges(base: unknown, head: unknown): string[] {
  const asMap = (v: unknown): Record<string, unknown> => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const b = asMap(base);
  const h = asMap(head);
  const lines: string[] = [];
  for (const key of [...new Set([...Object.keys(b), ...Object.keys(h)])]) {
    const bv = b[key];
    const hv = h[key];
    const nested = (v: unknown): boolean => v !== null && typeof v === "object" && !Array.isArray(v);
    if (nested(bv) || nested(hv)) {
      const bm = asMap(bv);
      const hm = asMap(hv);
      for (const k of [...new Set([...Object.keys(bm), ...Object.keys(hm)])]) {
        const was = JSON.stringify(bm[k]);
        const now = JSON.stringify(hm[k]);
        if (!(k in bm)) lines.push(`- \`${key}.${k}\` added: ${now}.`);
        else if (!(k in hm)) lines.push(`- \`${key}.${k}\` removed (was ${was}).`);
        else if (was !== now) lines.push(`- \`${key}.${k}\` changed: ${was} → ${now}.`);
      }
    } else if (JSON.stringify(bv) !== JSON.stringify(hv)) {
      lines.push(
        hv === undefined
          ? `- \`${key}\` removed (was ${JSON.stringify(bv)}).`
          : `- \`${key}\` ${bv === undefined ? "set to" : "changed to"} ${JSON.stringify(hv)}.`,
      );
    }
  }
  return lines;
}

function safeParse(text: string | null): unknown {
  if (text === null) return undefined;
  try {
    return parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * The check run for a pull request that changes the org's configuration: every problem as an annotation at its
 * file and line, and a summary of what the change would do. Pure: the handler gathers the facts.
 */
export function checkConfigChange(facts: CheckFacts): CheckOutcome {
  const annotations: Annotation[] = [];
  const sections: string[] = [];
  for (const file of facts.files) {
    const lines: string[] = [];
    if (file.headProblem) {
      annotations.push(annotation(file.path, { file: file.path, field: "(file)", problem: file.headProblem, line: 1 }));
      lines.push(`- Could not be read: ${file.headProblem}.`);
    } else if (file.head === null) {
      lines.push(
        file.path === CONFIG_PATH
          ? "- Deleted: new members then join the `DEFAULT_TEAMS` of the deployment, with no rules."
          : "- Deleted: runs are then priced at GitHub's list prices.",
      );
    } else if (file.path === CONFIG_PATH) {
      const { problems, config } = onboardingProblems(file.head, file.path);
      for (const p of withPositions(file.head, problems)) annotations.push(annotation(file.path, p));
      if (config) lines.push(...onboardingSummary(file, config, facts));
      else
        lines.push(
          `- ${problems.length} problem${problems.length === 1 ? "" : "s"}: the file would be refused and no member would be onboarded in ${facts.org} until it is fixed.`,
        );
    } else {
      const result = parseChargebackConfig(file.head, file.path);
      if (!result.ok) {
        for (const p of withPositions(file.head, result.problems)) annotations.push(annotation(file.path, p));
        lines.push(`- Invalid: runs would not be priced until it is fixed.`);
      } else {
        const changes = mappingChanges(safeParse(file.base), safeParse(file.head));
        lines.push(...(changes.length ? changes : ["- No change to rates or budgets."]));
      }
    }
    sections.push(`### \`${file.path}\`\n${lines.join("\n")}`);
  }
  const failed = annotations.length > 0;
  const title = failed ? `${annotations.length} problem${annotations.length === 1 ? "" : "s"} in the org's configuration` : "The org's configuration is valid";
  const extra = annotations.length > MAX_ANNOTATIONS ? `\n\nOnly the first ${MAX_ANNOTATIONS} of ${annotations.length} problems are annotated.` : "";
  return { conclusion: failed ? "failure" : "success", title, summary: `${sections.join("\n\n")}${extra}`, annotations: annotations.slice(0, MAX_ANNOTATIONS) };
}
