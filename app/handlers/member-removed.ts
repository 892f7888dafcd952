import type { Context } from "probot";
import type { Deadline } from "../deadline.js";
import { exclusionReason } from "../config/exclude.js";
import { loadOnboardingConfig } from "../config/load.js";
import { leaverExecutionName } from "../dispatch/execution-name.js";
import { startExecution } from "../dispatch/start-execution.js";
import { offboardingInput } from "../records/offboarding-input.js";
import { parseMemberRemoved } from "../webhook/member-added-payload.js";

/**
 * organization.member_removed: GitHub has already taken the member out of the org's teams; the member-offboarding
 * machine keeps their record, marks it left with this delivery and notifies. No GitHub change is made here.
 */
export async function onMemberRemoved(context: Context<"organization.member_removed">, deadline: Deadline): Promise<void> {
  const parsed = parseMemberRemoved(context.payload);
  if (!parsed.ok) {
    context.log.warn(
      { event: "organization.member_removed", delivery: context.id, reason: parsed.reason },
      `member_removed payload not usable: ignored (${parsed.reason})`,
    );
    return;
  }
  const { organization, membership, installation } = parsed.payload;
  const org = organization.login;
  const { login, type } = membership.user;
  const log = context.log.child({ org, member: login, delivery: context.id });

  // Excluded accounts were never onboarded: their departure is not news. An invalid config does not stop the
  // departure from being recorded (it is a fact, and changes nothing in GitHub).
  const configResult = await loadOnboardingConfig(context.octokit, org);
  if (configResult.ok) {
    const excluded = exclusionReason({ login, ...(type ? { type } : {}) }, configResult.config);
    if (excluded) {
      log.info({ reason: excluded }, "member excluded by configuration: departure not recorded");
      return;
    }
  }
  const input = offboardingInput({
    org,
    orgId: organization.id,
    installationId: installation.id,
    member: { login, id: membership.user.id },
    deliveryId: context.id,
    removedAt: new Date().toISOString(),
  });
  const started = await startExecution("memberOffboarding", leaverExecutionName(context.id, org, login), input, deadline);
  log.info({ execution: started.name, started: started.started }, started.started ? "offboarding started" : "offboarding already started for this delivery");
}
