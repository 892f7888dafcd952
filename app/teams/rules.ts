import type { OnboardingConfig, TeamRule, TeamSpec } from "../config/schema.js";

/**
 * The directory fields a rule can test, from a stored or freshly enriched member: the named fields the record
 * keeps (department, title, manager...) and every other directory column (`directory`). Values compare as text.
 */
export interface DirectoryFacts {
  login?: string;
  email?: string;
  employeeId?: string;
  department?: string;
  manager?: string;
  title?: string;
  company?: string;
  name?: string;
  directory?: Record<string, string>;
}

const NAMED = ["email", "employeeId", "department", "manager", "title", "company", "name"] as const;

export function directoryFields(m: DirectoryFacts): Record<string, string> {
  const out: Record<string, string> = { ...(m.directory ?? {}) };
  for (const k of NAMED) {
    const v = m[k];
    if (typeof v === "string" && v !== "") out[k] = v;
  }
  return out;
}

/** True when every field the rule names has one of its values, exactly. A field the member lacks never matches. */
export function ruleMatches(rule: TeamRule, fields: Record<string, string>): boolean {
  return Object.entries(rule.when).every(([field, values]) => {
    const v = fields[field];
    return v !== undefined && values.includes(v);
  });
}

/** The indexes of the rules that match a member. Pure. */
export function matchingRules(rules: TeamRule[], member: DirectoryFacts): number[] {
  const fields = directoryFields(member);
  return rules.flatMap((r, i) => (ruleMatches(r, fields) ? [i] : []));
}

/**
 * The teams the rules give a member, each once: when two rules (or a rule and the configured teams) name the same
 * team, maintainer wins over member. `already` are teams handled elsewhere (the joiner's configured teams) and are
 * left out. Pure.
 */
export function teamsFromRules(rules: TeamRule[], member: DirectoryFacts, already: TeamSpec[] = []): TeamSpec[] {
  const skip = new Set(already.map((t) => t.slug));
  return mergeTeams(matchingRules(rules, member).flatMap((i) => rules[i]!.teams)).filter((t) => !skip.has(t.slug));
}

/** One entry per slug, maintainer winning over member, in first-seen order. Pure. */
export function mergeTeams(teams: TeamSpec[]): TeamSpec[] {
  const out = new Map<string, TeamSpec>();
  for (const t of teams) {
    const prev = out.get(t.slug);
    if (!prev || (prev.role === "member" && t.role === "maintainer"))
      out.set(t.slug, { slug: t.slug, role: prev?.role === "maintainer" ? "maintainer" : t.role });
  }
  return [...out.values()];
}

/** Every team a member should be in: the configured teams and those of the matching rules. Pure. */
export function desiredTeams(config: Pick<OnboardingConfig, "teams" | "rules">, member: DirectoryFacts): TeamSpec[] {
  return mergeTeams([...config.teams, ...matchingRules(config.rules, member).flatMap((i) => config.rules[i]!.teams)]);
}
