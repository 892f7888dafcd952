// Task Lambda of the member-backfill-page machine: one page of the org's members (GET /orgs/{org}/members,
// per_page=100), the org's onboarding config applied as for a joiner (exclusions; with --teams the teams to add, or
// the dry run's results), and the onboarding input of each member for the machine's child executions. Also folds what the previous page's Map
// returned into the totals.
import { addMemberTotals, listMembersEventSchema, type ListMembersEvent, type ListMembersOutput, type MemberItem } from "../backfill/members.js";
import { exclusionReason } from "../config/exclude.js";
import { loadOnboardingConfig } from "../config/load.js";
import { formatProblem } from "../config/schema.js";
import { memberKey } from "../records/member.js";
import { onboardingInputSchema } from "../records/onboarding-input.js";
import { withDeadline } from "../outbound.js";
import { firstIssue } from "../validation.js";
import { ConfigurationError, InvalidInputError } from "../errors.js";
import { TASK_BUDGET_MS } from "./budget.js";
import { classify } from "./classify.js";
import { appOctokit, installationOctokit, SCOPES } from "../github/octokit.js";

const PER_PAGE = 100;

export function handler(event: unknown): Promise<ListMembersOutput> {
  return withDeadline(TASK_BUDGET_MS.listing, () => listMembers(event));
}

async function listMembers(event: unknown): Promise<ListMembersOutput> {
  const parsed = listMembersEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`list-members input: ${firstIssue(parsed.error)}`);
  const e: ListMembersEvent = parsed.data;
  const { org } = e.input;
  let totals = e.previous.reduce(addMemberTotals, e.totals);
  let installationId = e.installationId;
  let orgId = e.orgId;
  if (e.page === null) return { installationId, orgId, members: [], addTeams: null, page: null, done: true, totals };
  try {
    if (installationId === null) {
      totals = addMemberTotals(totals, { githubCalls: 1 });
      const { data } = await (await appOctokit()).rest.apps.getOrgInstallation({ org });
      installationId = data.id;
      orgId = data.account && "id" in data.account ? data.account.id : null;
    }
    const octokit = await installationOctokit(installationId, SCOPES.members);
    totals = addMemberTotals(totals, { githubCalls: 1 });
    const config = await loadOnboardingConfig(await installationOctokit(installationId, SCOPES.config), org);
    // An invalid onboarding.yml changes nothing, as for a joiner: the backfill stops and is notified with the cause.
    if (!config.ok) throw new ConfigurationError(`${org}: ${formatProblem(config.error)}`);
    totals = addMemberTotals(totals, { githubCalls: 1 });
    const { data } = await octokit.rest.orgs.listMembers({ org, per_page: PER_PAGE, page: e.page });
    const included = data.filter((m) => !exclusionReason({ login: m.login, ...(m.type ? { type: m.type } : {}) }, config.config));
    const receivedAt = new Date().toISOString();
    // With --teams the adds (or a dry run's results) are the machine's own step per member (sync-member-teams, which
    // confirms the membership first, as for a joiner): their results go into that member's onboarding input, never
    // into this page's state, whatever the number of teams.
    const members = included.map((m): MemberItem => {
      const key = memberKey(org, m.login);
      const onboarding = onboardingInputSchema.parse({
        org,
        orgId: orgId ?? 0,
        installationId,
        member: { login: m.login, id: m.id, ...(m.type ? { type: m.type } : {}) },
        teams: [],
        teamProblems: [],
        dryRun: config.config.dryRun,
        configSource: config.config.source,
        deliveryId: e.backfill,
        receivedAt,
        notify: false,
      });
      return { id: m.id, key: { pk: { S: key.pk }, sk: { S: key.sk } }, onboarding };
    });
    const addTeams = e.input.teams && config.config.teams.length > 0 ? config.config.teams : null;
    totals = addMemberTotals(totals, { members: data.length, excluded: data.length - included.length });
    const done = data.length < PER_PAGE;
    return { installationId, orgId, members, addTeams, page: done ? null : e.page + 1, done, totals };
  } catch (err) {
    throw classify(err, `members of ${org} page ${e.page}`);
  }
}
