import { exclusionReason } from "../config/exclude.js";
import type { OnboardingConfig, TeamRole } from "../config/schema.js";
import { desiredTeams, type DirectoryFacts } from "./rules.js";
import type { TeamSyncInput } from "./sync-input.js";

/** A team as GitHub has it now: its members and its pending invitations (logins, lower-cased). */
export interface TeamState {
  members: Set<string>;
  pending: Set<string>;
}

export type DriftAction = "add" | "already" | "pending";

export interface DriftRow {
  member: string;
  team: string;
  role: TeamRole;
  action: DriftAction;
  /** true once an --apply made (or found) the membership */
  applied: boolean;
  /** the team add's result status when applied (added, already_member, pending_invitation, team_not_found, failed) */
  status?: string;
  detail?: string;
}

export interface DriftPlan {
  rows: DriftRow[];
  /** teams named by the config that do not exist in the org: nothing is planned for them */
  missingTeams: string[];
  /** stored members the config leaves alone, with the reason */
  excluded: Array<{ member: string; reason: string }>;
}

export type SyncMember = DirectoryFacts & { login: string; type?: string };

/**
 * For every current member, the teams they should be in (configured teams and matching rules, less exclusions)
 * against the teams they are in. A pending invitation counts as a membership: nobody is invited twice. Pure.
 */
export function planDrift(
  members: SyncMember[],
  config: Pick<OnboardingConfig, "teams" | "rules" | "exclude" | "excludeBots">,
  teams: Map<string, TeamState | null>,
): DriftPlan {
  const rows: DriftRow[] = [];
  const missing = new Set<string>();
  const excluded: DriftPlan["excluded"] = [];
  for (const m of [...members].sort((a, b) => a.login.localeCompare(b.login))) {
    const reason = exclusionReason(m, config);
    if (reason) {
      excluded.push({ member: m.login, reason });
      continue;
    }
    const login = m.login.toLowerCase();
    for (const t of desiredTeams(config, m)) {
      const state = teams.get(t.slug);
      if (!state) {
        missing.add(t.slug);
        continue;
      }
      const action: DriftAction = state.members.has(login) ? "already" : state.pending.has(login) ? "pending" : "add";
      rows.push({ member: m.login, team: t.slug, role: t.role, action, applied: false });
    }
  }
  return { rows, missingTeams: [...missing].sort(), excluded };
}

/** The team-sync machine's input: the additions only, grouped by member. Pure. */
/**
 * At most this many team additions per team-sync execution: its results (each with a detail of up to 1,000
 * characters) and the notification that lists them stay under 256 KiB, and its history near 700 events.
 */
export const MAX_ADDS_PER_EXECUTION = 100;

/**
 * The team-sync executions' inputs: the additions only, grouped by member, cut into executions of at most `maxAdds`
 * additions each (a member's teams are never split). Pure.
 */
export function syncInputs(org: string, installationId: number, plan: DriftPlan, maxAdds = MAX_ADDS_PER_EXECUTION): TeamSyncInput[] {
  const byMember = new Map<string, Array<{ slug: string; role: TeamRole }>>();
  for (const r of plan.rows) {
    if (r.action !== "add") continue;
    byMember.set(r.member, [...(byMember.get(r.member) ?? []), { slug: r.team, role: r.role }]);
  }
  const inputs: TeamSyncInput[] = [];
  let members: TeamSyncInput["members"] = [];
  let changes = 0;
  for (const [login, teams] of byMember) {
    if (members.length > 0 && changes + teams.length > maxAdds) {
      inputs.push({ org, installationId, changes, members });
      members = [];
      changes = 0;
    }
    members.push({ login, teams });
    changes += teams.length;
  }
  if (members.length > 0) inputs.push({ org, installationId, changes, members });
  return inputs;
}

const APPLIED = new Set(["added", "already_member", "pending_invitation"]);

/** The plan's rows with what the team-sync execution did for each addition. Pure. */
export function withResults(rows: DriftRow[], results: Array<{ login: string; teams: Array<{ slug: string; status: string; detail?: string }> }>): DriftRow[] {
  return rows.map((r) => {
    if (r.action !== "add") return r;
    const res = results.find((x) => x.login.toLowerCase() === r.member.toLowerCase())?.teams.find((t) => t.slug === r.team);
    if (!res) return r;
    return { ...r, applied: APPLIED.has(res.status), status: res.status, ...(res.detail ? { detail: res.detail } : {}) };
  });
}
