import type { TeamRule } from "../config/schema.js";

export type TeamStatus = "added" | "already_member" | "pending_invitation" | "team_not_found" | "failed" | "dry_run";

export interface TeamResult {
  slug: string;
  role: string;
  status: TeamStatus;
  detail?: string;
  /** "rule": given by a directory rule of onboarding.yml (absent: the configured teams) */
  source?: "rule";
}

/** The member-onboarding execution's input. Facts only: never a token. */
export interface OnboardingInput {
  org: string;
  orgId: number;
  installationId: number;
  member: { login: string; id: number; type?: string; role?: string };
  teams: TeamResult[];
  teamProblems: string[];
  dryRun: boolean;
  configSource: string;
  /** The org's directory rules, applied after enrichment (absent or empty: none). */
  rules?: TeamRule[];
  /** Present only when the org's configuration is invalid; the machine then notifies and fails. */
  configError?: string;
  deliveryId: string;
  receivedAt: string;
}
