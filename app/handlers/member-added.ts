import type { Context } from "probot";
import type { Deadline } from "../deadline.js";
import { exclusionReason } from "../config/exclude.js";
import { loadOnboardingConfig } from "../config/load.js";
import { formatProblem } from "../config/schema.js";
import { memberExecutionName } from "../dispatch/execution-name.js";
import { startExecution } from "../dispatch/start-execution.js";
import { onboardingInputSchema, type OnboardingInput } from "../records/onboarding-input.js";
import { parseMemberAdded } from "../webhook/member-added-payload.js";
import { notCurrentMember, orgMembershipState } from "../github/org-membership.js";
import { addToTeams, teamProblems } from "../github/team-membership.js";

/**
 * organization.member_added: team adds at once (so the member can reach repositories straight away), then hand the
 * slow, retryable part (directory lookup, storage, notification) to the member-onboarding state machine.
 */
export async function onMemberAdded(context: Context<"organization.member_added">, deadline: Deadline): Promise<void> {
  // Validated before anything is acted on: a payload that does not fit is answered 2xx and ignored, never retried.
  const parsed = parseMemberAdded(context.payload);
  if (!parsed.ok) {
    context.log.warn(
      { event: "organization.member_added", delivery: context.id, reason: parsed.reason },
      `member_added payload not usable: ignored (${parsed.reason})`,
    );
    return;
  }
  const { organization, membership, installation } = parsed.payload;
  const org = organization.login;
  const { login, type } = membership.user;
  const user = { login, ...(type ? { type } : {}) };
  const installationId = installation.id;
  const log = context.log.child({ org, member: login, delivery: context.id });

  const configResult = await loadOnboardingConfig(context.octokit, org);
  const base = {
    org,
    orgId: organization.id,
    installationId,
    member: { login, id: membership.user.id, ...(type ? { type } : {}), ...(membership.role ? { role: membership.role } : {}) },
    deliveryId: context.id,
    receivedAt: new Date().toISOString(),
  };

  let input: OnboardingInput;
  if (!configResult.ok) {
    // A bad config changes nothing in GitHub; the machine reports it to the failure notification.
    const message = formatProblem(configResult.error);
    log.error({ configError: configResult.error }, `invalid configuration: ${message}`);
    input = { ...base, teams: [], teamProblems: [], dryRun: true, configSource: configResult.error.file, configError: message };
  } else {
    const config = configResult.config;
    const excluded = exclusionReason(user, config);
    if (excluded) {
      log.info({ reason: excluded }, "member excluded by configuration: nothing to do");
      return;
    }
    // A delivery can be old (GitHub's Redeliver, the sweep, a replayed body): GitHub says whether the join still holds.
    if ((await orgMembershipState(context.octokit, org, login)) === null) {
      log.info({ reason: "not_a_member" }, notCurrentMember(org, login));
      return;
    }
    const teams = await addToTeams(context.octokit, org, login, config.teams, config.dryRun);
    for (const t of teams) log.info({ team: t.slug, status: t.status, detail: t.detail }, "team membership");
    // The directory rules need the enriched record: the machine applies them after enrichment.
    input = {
      ...base,
      teams,
      teamProblems: teamProblems(teams),
      dryRun: config.dryRun,
      configSource: config.source,
      ...(config.rules.length ? { rules: config.rules } : {}),
    };
  }

  const name = memberExecutionName(context.id, org, login);
  // The same contract the enrich task checks: a handler bug fails here, in the delivery's log, not in an execution.
  const started = await startExecution("memberOnboarding", name, onboardingInputSchema.parse(input), deadline);
  log.info({ execution: started.name, started: started.started }, started.started ? "onboarding started" : "onboarding already started for this delivery");
}
