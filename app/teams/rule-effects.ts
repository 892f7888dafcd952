import type { TeamRule } from "../config/schema.js";
import { matchingRules, type DirectoryFacts } from "./rules.js";

/** How many logins a preview names per rule; the count is always complete. */
const NAMED = 10;

/**
 * What each rule would match among the current stored members, as lines for the operator (sync-teams --config).
 * This reads the directory's data, so it is shown only to whoever runs the command with the operator's
 * credentials, never in a check run. Pure.
 */
export function ruleEffects(rules: TeamRule[], members: Array<DirectoryFacts & { login: string }>): string[] {
  return rules.map((rule, i) => {
    const when = Object.entries(rule.when)
      .map(([k, v]) => `${k}: ${v.join(" | ")}`)
      .join(", ");
    const teams = rule.teams.map((t) => t.slug).join(", ");
    const matched = members.filter((m) => matchingRules([rule], m).length > 0).map((m) => m.login);
    if (matched.length === 0) return `rule ${i + 1} (${when}) -> ${teams}: matches no stored member`;
    const named = matched.slice(0, NAMED).join(", ");
    return `rule ${i + 1} (${when}) -> ${teams}: matches ${matched.length} stored member${matched.length === 1 ? "" : "s"} (${named}${matched.length > NAMED ? ", ..." : ""})`;
  });
}
