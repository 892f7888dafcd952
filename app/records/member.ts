import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { marshall } from "@aws-sdk/util-dynamodb";
import type { DirectoryEntry } from "../directory/types.js";
import type { OnboardingInput, TeamResult } from "./onboarding-input.js";

export type Enrichment = "found" | "not_found" | "no_directory";

export interface GitHubProfile {
  name?: string | null;
  company?: string | null;
  email?: string | null;
  location?: string | null;
  createdAt?: string | null;
}

export interface SamlIdentity {
  nameId?: string | null;
  username?: string | null;
  emails: string[];
}

/** The stored member: pk ORG#<org>, sk MEMBER#<login lower-cased>. */
export interface MemberRecord {
  org: string;
  login: string;
  userId: number;
  name?: string;
  company?: string;
  email?: string;
  employeeId?: string;
  department?: string;
  manager?: string;
  title?: string;
  samlNameId?: string;
  directory?: Record<string, string>;
  directorySource?: string;
  /** where `email` and `name` came from: only what the directory says is matched by rules (app/teams/rules.ts) */
  sources?: { email?: "directory" | "saml" | "github"; name?: "directory" | "github" };
  enrichment: Enrichment;
  teams: TeamResult[];
  joinedAt: string;
  updatedAt: string;
  deliveryId: string;
  /** Set by the member-offboarding machine when the member left (absent: a current member); a rejoin clears it. */
  leftAt?: string;
  leftDeliveryId?: string;
}

/** A membership that ended, kept when the member rejoins: pk ORG#<org>, sk PAST#<login lower-cased>#<joinedAt>. */
export interface PastMembership {
  org: string;
  login: string;
  joinedAt: string;
  leftAt: string;
  deliveryId: string;
  leftDeliveryId: string;
}

export function memberKey(org: string, login: string): { pk: string; sk: string } {
  return { pk: `ORG#${org.toLowerCase()}`, sk: `MEMBER#${login.toLowerCase()}` };
}

const clean = (v: string | null | undefined): string | undefined => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined);

/** Merges the sources; the directory wins over SAML, which wins over the public GitHub profile. Pure. */
export function buildMemberRecord(
  input: OnboardingInput,
  profile: GitHubProfile | null,
  saml: SamlIdentity | null,
  entry: DirectoryEntry | null,
  directorySource: string | null,
  now: Date,
): MemberRecord {
  const { email, employeeId, department, manager, title, displayName, ...rest } = entry ?? {};
  const extra = Object.fromEntries(Object.entries(rest).filter((kv): kv is [string, string] => typeof kv[1] === "string"));
  const samlEmail = clean(saml?.emails[0]) ?? clean(saml?.nameId?.includes("@") ? saml.nameId : undefined);
  type Sources = NonNullable<MemberRecord["sources"]>;
  const emailSource: Sources["email"] = clean(email) ? "directory" : samlEmail ? "saml" : clean(profile?.email) ? "github" : undefined;
  const nameSource: Sources["name"] = clean(displayName) ? "directory" : clean(profile?.name) ? "github" : undefined;
  const sources: Sources = { ...(emailSource ? { email: emailSource } : {}), ...(nameSource ? { name: nameSource } : {}) };
  const record: MemberRecord = {
    org: input.org,
    login: input.member.login,
    userId: input.member.id,
    name: clean(displayName) ?? clean(profile?.name),
    company: clean(profile?.company),
    email: clean(email) ?? samlEmail ?? clean(profile?.email),
    employeeId: clean(employeeId),
    department: clean(department),
    manager: clean(manager),
    title: clean(title),
    samlNameId: clean(saml?.nameId),
    directory: Object.keys(extra).length ? extra : undefined,
    directorySource: directorySource ?? undefined,
    sources: Object.keys(sources).length ? sources : undefined,
    enrichment: directorySource === null ? "no_directory" : entry ? "found" : "not_found",
    teams: input.teams,
    joinedAt: input.receivedAt,
    updatedAt: now.toISOString(),
    deliveryId: input.deliveryId,
  };
  return record;
}

/** The DynamoDB item the state machine's native putItem writes. */
export function memberItem(record: MemberRecord): Record<string, AttributeValue> {
  return marshall({ ...memberKey(record.org, record.login), type: "member", ...record }, { removeUndefinedValues: true });
}

/** One readable paragraph for the notification. */
export function memberSummary(r: MemberRecord): string {
  const teams = r.teams.length ? r.teams.map((t) => `${t.slug} (${t.status})`).join(", ") : "none";
  const fields = [
    `email: ${r.email ?? "unknown"}`,
    `employee id: ${r.employeeId ?? "unknown"}`,
    `department: ${r.department ?? "unknown"}`,
    `manager: ${r.manager ?? "unknown"}`,
  ].join(", ");
  const dir =
    r.enrichment === "found" ? `found in ${r.directorySource}` : r.enrichment === "not_found" ? `not found in ${r.directorySource}` : "no directory configured";
  return `${r.login}${r.name ? ` (${r.name})` : ""} joined ${r.org}. ${fields}. Directory: ${dir}. Teams: ${teams}.`;
}
