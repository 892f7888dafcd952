import type { OnboardingConfig, TeamRule, TeamSpec } from "../config/schema.js";

/**
 * What a rule can be tested against, from a stored or freshly enriched member. Only the operator's own data grants
 * a team: the directory's columns and the named fields the record took from the directory. `name`, `company` and
 * an `email` that came from the member's GitHub profile (or SAML) are never matched: a member writes those about
 * themselves. Values compare as text.
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
  /** how the directory lookup went; anything but "found" (or absent, for facts built by hand) matches no rule */
  enrichment?: "found" | "not_found" | "no_directory";
  /** where `email` and `name` came from (app/records/member.ts); only "directory" is matched */
  sources?: { email?: string; name?: string };
}

/** Fields only the directory gives (app/records/member.ts buildMemberRecord). */
const FROM_DIRECTORY_ONLY = ["employeeId", "department", "manager", "title"] as const;
/** Fields that may come from the directory or from what the member wrote: matched only when the directory gave them. */
const FROM_DIRECTORY_IF_SOURCED = ["email", "name"] as const;

export function directoryFields(m: DirectoryFacts): Record<string, string> {
  // A joiner the directory does not know matches no directory rule, whatever their profile says.
  if (m.enrichment !== undefined && m.enrichment !== "found") return {};
  const out: Record<string, string> = { ...(m.directory ?? {}) };
  for (const k of FROM_DIRECTORY_ONLY) {
    const v = m[k];
    if (typeof v === "string" && v !== "") out[k] = v;
  }
  for (const k of FROM_DIRECTORY_IF_SOURCED) {
    const v = m[k];
    if (m.sources?.[k] === "directory" && typeof v === "string" && v !== "") out[k] = v;
    // A directory column of the same name stays what the directory says (never the profile's value).
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
