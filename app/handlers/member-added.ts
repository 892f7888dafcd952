import type { Context } from "probot";
import { exclusionReason } from "../config/exclude.js";
import { loadOnboardingConfig } from "../config/load.js";
import { formatProblem } from "../config/schema.js";
import { memberExecutionName } from "../dispatch/execution-name.js";
import { startExecution } from "../dispatch/start-execution.js";
import type { OnboardingInput } from "../records/onboarding-input.js";
import { addToTeams, teamProblems } from "./team-membership.js";

/**
 * organization.member_added: team adds at once (so the member can reach repositories straight away), then hand the
 * slow, retryable part (directory lookup, storage, notification) to the member-onboarding state machine.
 */
export async function onMemberAdded(context: Context<"organization.member_added">): Promise<void> {
  const { payload } = context;
  const org = payload.organization.login;
  const user = payload.membership.user;
  const installationId = payload.installation?.id;
  if (!user || !installationId) {
    context.log.warn({ event: "organization.member_added", org }, "payload without a member or an installation: ignored");
    return;
  }
  const login = user.login;
  const log = context.log.child({ org, member: login, delivery: context.id });

  const configResult = await loadOnboardingConfig(context.octokit, org);
  const base = {
    org,
    orgId: payload.organization.id,
    installationId,
    member: { login, id: user.id, type: user.type, role: payload.membership.role },
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
    const teams = await addToTeams(context.octokit, org, login, config.teams, config.dryRun);
    for (const t of teams) log.info({ team: t.slug, status: t.status, detail: t.detail }, "team membership");
    input = { ...base, teams, teamProblems: teamProblems(teams), dryRun: config.dryRun, configSource: config.source };
  }

  const name = memberExecutionName(context.id, org, login);
  const started = await startExecution("memberOnboarding", name, input);
  log.info({ execution: started.name, started: started.started }, started.started ? "onboarding started" : "onboarding already started for this delivery");
}
