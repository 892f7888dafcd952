import { configuredDirectory } from "../directory/index.js";
import { httpStatusOf } from "../http-status.js";
import { firstIssue } from "../validation.js";
import { buildMemberRecord, memberItem, memberSummary, type GitHubProfile, type MemberRecord, type SamlIdentity } from "../records/member.js";
import { onboardingInputSchema } from "../records/onboarding-input.js";
import { withDeadline } from "../outbound.js";
import { TASK_BUDGET_MS } from "./budget.js";
import { InvalidConfiguration, InvalidInputError, UpstreamError } from "../errors.js";
import { notCurrentMember, orgMembershipState } from "../github/org-membership.js";
import { classify } from "./classify.js";
import { installationOctokit, type Octokit, SCOPES } from "../github/octokit.js";

export interface EnrichResult {
  record: MemberRecord;
  item: ReturnType<typeof memberItem>;
  summary: string;
}

async function githubProfile(octokit: Octokit, login: string): Promise<GitHubProfile | null> {
  try {
    const { data } = await octokit.rest.users.getByUsername({ username: login });
    return { name: data.name, company: data.company, email: data.email, location: data.location, createdAt: data.created_at };
  } catch (err) {
    // A deleted account still gets its membership recorded; anything else is a real failure.
    if (httpStatusOf(err) === 404) return null;
    throw classify(err, `GitHub profile of ${login}`);
  }
}

const SAML_QUERY = `query($org: String!, $login: String!) {
  organization(login: $org) {
    samlIdentityProvider {
      externalIdentities(first: 1, login: $login) {
        nodes { samlIdentity { nameId username emails { value primary } } }
      }
    }
  }
}`;

interface SamlResponse {
  organization: {
    samlIdentityProvider: {
      externalIdentities: {
        nodes: Array<{
          samlIdentity: { nameId?: string | null; username?: string | null; emails?: Array<{ value: string; primary?: boolean }> | null } | null;
        }>;
      };
    } | null;
  } | null;
}

/** The org's SAML identity for the member, when the org uses SAML SSO; null otherwise or when the app may not see it. */
async function samlIdentity(octokit: Octokit, org: string, login: string): Promise<SamlIdentity | null> {
  try {
    const data = await octokit.graphql<SamlResponse>(SAML_QUERY, { org, login });
    const node = data.organization?.samlIdentityProvider?.externalIdentities.nodes[0]?.samlIdentity;
    if (!node) return null;
    const emails = (node.emails ?? []).sort((a, b) => Number(b.primary ?? false) - Number(a.primary ?? false)).map((e) => e.value);
    return { nameId: node.nameId, username: node.username, emails };
  } catch (err) {
    // GraphQL answers FORBIDDEN/NOT_FOUND as errors in a 200: SAML is then simply not available to the app.
    if (httpStatusOf(err) === undefined && err instanceof Error && err.name === "GraphqlResponseError") return null;
    throw classify(err, `SAML identity of ${login}`);
  }
}

/** Task Lambda: enrich a new member from GitHub, SAML and the company directory. Returns the item to store. */
/** The task Lambda's entry: its outbound calls share the task's time budget (app/tasks/budget.ts). */
export function handler(event: unknown): Promise<EnrichResult> {
  return withDeadline(TASK_BUDGET_MS.enrichMember, () => enrich(event));
}

async function enrich(event: unknown): Promise<EnrichResult> {
  const parsed = onboardingInputSchema.safeParse(event);
  if (!parsed.success) {
    throw new InvalidInputError(`enrich-member input: ${firstIssue(parsed.error)}`);
  }
  const input = parsed.data;
  // Refused before any GitHub call; the machine catches it and fails with the problem as the cause.
  if (input.configError !== undefined) throw new InvalidConfiguration(input.configError);
  const octokit = await installationOctokit(input.installationId, SCOPES.members);
  // Nothing is stored for someone who is no longer a member: the record of a leaver stays a leaver's.
  const state = await orgMembershipState(octokit, input.org, input.member.login).catch((err: unknown) => {
    throw classify(err, `membership of ${input.member.login}`);
  });
  if (state === null) throw new UpstreamError(notCurrentMember(input.org, input.member.login));
  const [profile, saml] = await Promise.all([githubProfile(octokit, input.member.login), samlIdentity(octokit, input.org, input.member.login)]);
  const directory = await configuredDirectory();
  // Only what the org's IdP vouches for: the profile's email is the member's own word (README, threat model).
  const hints = {
    emails: [...(saml?.emails ?? []), ...(saml?.nameId?.includes("@") ? [saml.nameId] : [])],
    identities: [saml?.nameId, saml?.username].filter((v): v is string => typeof v === "string" && v.trim() !== ""),
  };
  let entry = null;
  if (directory) {
    try {
      entry = await directory.lookup(input.member.login, hints);
    } catch (err) {
      throw classify(err, `directory ${directory.name}`);
    }
  }
  const record = buildMemberRecord(input, profile, saml, entry, directory?.name ?? null, new Date());
  return { record, item: memberItem(record), summary: memberSummary(record) };
}
