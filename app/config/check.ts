import { CHARGEBACK_PATH, parseChargebackConfig } from "./chargeback.js";
import { capText, codeSpan, escapeMarkdown } from "./markdown.js";
import { MAX_REPORTED_PROBLEMS, parseYaml } from "./org-file.js";
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

/**
 * What the check may use. Never anything derived from the stored members or the directory: a pull request's author
 * (a fork's included) reads the check run, so it would answer guesses about directory values. The effect of rules
 * on stored members is an operator's command (`sync-teams --config`).
 */
export interface CheckFacts {
  org: string;
  files: ChangedConfigFile[];
  /** the slugs of the org's visible (not secret) teams; null when they could not be listed */
  orgTeams: string[] | null;
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
  // GitHub caps an annotation's title at 255 characters and its message at 64 KB; field names come from the file.
  return { path, start_line: line, end_line: line, annotation_level: "failure", title: p.field.slice(0, 255), message: p.problem.slice(0, 4_000) };
}

const list = (xs: string[]): string => xs.map((x) => codeSpan(x)).join(", ");

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
        ? `- **Teams that are not among the visible teams of ${facts.org}:** ${list(missing)} (adds to a team that does not exist fail as \`team_not_found\`).`
        : `- Every team named exists in ${facts.org}.`,
    );
  } else lines.push(`- The org's teams could not be listed: team names were not checked.`);
  config.rules.forEach((rule, i) => {
    // The fields a rule names, not its values: the check run is the same whatever values are guessed, and whether
    // any rule matches anyone is not said here (see CheckFacts).
    const when = Object.entries(rule.when)
      .map(([k, v]) => `${escapeMarkdown(k, 64)}: ${v.length} value${v.length === 1 ? "" : "s"}`)
      .join(", ");
    lines.push(`- Rule ${i + 1} (${when}) → ${list(rule.teams.map((t) => t.slug))}.`);
  });
  if (config.rules.length)
    lines.push("- What the rules would change for current members is shown to operators by `npx org-flows sync-teams --org <org> --config <file>`.");
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
        const name = codeSpan(`${key}.${k}`);
        if (!(k in bm)) lines.push(`- ${name} added: ${shown(now)}.`);
        else if (!(k in hm)) lines.push(`- ${name} removed (was ${shown(was)}).`);
        else if (was !== now) lines.push(`- ${name} changed: ${shown(was)} → ${shown(now)}.`);
      }
    } else if (JSON.stringify(bv) !== JSON.stringify(hv)) {
      lines.push(
        hv === undefined
          ? `- ${codeSpan(key)} removed (was ${shown(JSON.stringify(bv))}).`
          : `- ${codeSpan(key)} ${bv === undefined ? "set to" : "changed to"} ${shown(JSON.stringify(hv))}.`,
      );
    }
  }
  return lines;
}

/** A value from the file, as JSON text in a code span: never a link, mention or markup (undefined: absent). */
const shown = (json: string | undefined): string => codeSpan(json ?? "nothing", 200);

/** Bounded like every read of the org's files (aliases limited); unreadable: nothing. */
function safeParse(text: string | null): unknown {
  if (text === null) return undefined;
  const parsed = parseYaml(text, "(base)");
  return parsed.ok ? parsed.raw : undefined;
}

/**
 * The check run for a pull request that changes the org's configuration: every problem as an annotation at its
 * file and line, and a summary of what the change would do. Pure: the handler gathers the facts.
 */
export function checkConfigChange(facts: CheckFacts): CheckOutcome {
  const annotations: Annotation[] = [];
  const sections: string[] = [];
  // Positions are looked up only for the problems that are annotated: a file with thousands costs no more.
  let counted = 0;
  const room = (): number => Math.max(0, MAX_ANNOTATIONS - annotations.length);
  for (const file of facts.files) {
    const lines: string[] = [];
    if (file.headProblem) {
      counted += 1;
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
      counted += problems.length;
      for (const p of withPositions(file.head, problems.slice(0, room()))) annotations.push(annotation(file.path, p));
      if (config) lines.push(...onboardingSummary(file, config, facts));
      else
        lines.push(
          `- ${problems.length} problem${problems.length === 1 ? "" : "s"}: the file would be refused and no member would be onboarded in ${facts.org} until it is fixed.`,
        );
    } else {
      const result = parseChargebackConfig(file.head, file.path);
      if (!result.ok) {
        counted += result.problems.length;
        for (const p of withPositions(file.head, result.problems.slice(0, room()))) annotations.push(annotation(file.path, p));
        lines.push(`- Invalid: runs would not be priced until it is fixed.`);
      } else {
        const changes = mappingChanges(safeParse(file.base), safeParse(file.head));
        lines.push(...(changes.length ? changes : ["- No change to rates or budgets."]));
      }
    }
    sections.push(`### ${codeSpan(file.path)}\n${lines.join("\n")}`);
  }
  const failed = counted > 0;
  // A file's problems are capped (MAX_REPORTED_PROBLEMS): past it the count is a lower bound.
  const count = `${counted >= MAX_REPORTED_PROBLEMS ? "at least " : ""}${counted}`;
  const title = failed ? `${count} problem${counted === 1 ? "" : "s"} in the org's configuration` : "The org's configuration is valid";
  // First, so that the cap on the summary's length never cuts it.
  const note = counted > annotations.length ? `Only the first ${annotations.length} of ${count} problems are annotated.\n\n` : "";
  return { conclusion: failed ? "failure" : "success", title, summary: capText(`${note}${sections.join("\n\n")}`), annotations };
}
