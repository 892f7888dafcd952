import { globMatches } from "./glob.js";
import type { OnboardingConfig } from "./schema.js";

export interface MemberIdentity {
  login: string;
  type?: string;
}

/** Why a member is skipped, or null when the app should onboard them. Logins compare case-insensitively, as on GitHub. */
export function exclusionReason(member: MemberIdentity, config: Pick<OnboardingConfig, "exclude" | "excludeBots">): string | null {
  if (config.excludeBots && (member.type === "Bot" || member.login.toLowerCase().endsWith("[bot]"))) {
    return "bot account (excludeBots)";
  }
  for (const pattern of config.exclude) {
    if (globMatches(pattern, member.login)) {
      return `matches exclude pattern '${pattern}'`;
    }
  }
  return null;
}
