// Task Lambda of the redelivery machine: asks GitHub to redeliver one delivery (App JWT). The machine has counted
// the redelivery before calling this, so a guid is never redelivered more than its limit, whatever fails here.
import { redeliverEventSchema } from "../redelivery/contract.js";
import { joinOf, redeliverAttempt } from "../redelivery/deliveries.js";
import { notCurrentMember, orgMembershipState } from "../github/org-membership.js";
import { withDeadline } from "../outbound.js";
import { firstIssue } from "../validation.js";
import { InvalidInputError, UpstreamError } from "../errors.js";
import { TASK_BUDGET_MS } from "./budget.js";
import { classify } from "./classify.js";
import { appOctokit, installationOctokit, SCOPES } from "../github/octokit.js";

export function handler(event: unknown): Promise<{ guid: string; deliveryId: string }> {
  return withDeadline(TASK_BUDGET_MS.listing, async () => {
    const parsed = redeliverEventSchema.safeParse(event);
    if (!parsed.success) throw new InvalidInputError(`redeliver input: ${firstIssue(parsed.error)}`);
    const { guid, deliveryId } = parsed.data;
    // A join whose member has since left is not redelivered (it would be acted on by nobody, and it is no news).
    let join: Awaited<ReturnType<typeof joinOf>>;
    try {
      join = await joinOf(await appOctokit(), deliveryId);
    } catch (err) {
      throw classify(err, `delivery ${deliveryId} (${guid})`);
    }
    if (join) {
      let state: Awaited<ReturnType<typeof orgMembershipState>>;
      try {
        state = await orgMembershipState(await installationOctokit(join.installationId, SCOPES.members), join.org, join.login);
      } catch (err) {
        throw classify(err, `membership of ${join.login}`);
      }
      if (state === null) throw new UpstreamError(`member_added not redelivered: ${notCurrentMember(join.org, join.login)}`);
    }
    try {
      await redeliverAttempt(await appOctokit(), deliveryId);
    } catch (err) {
      // A definite no (404, 422: unknown, or too old to redeliver) is an UpstreamError, which the machine records as
      // refused; a network failure, 5xx or rate limit is a TransientError, retried.
      throw classify(err, `redelivery of delivery ${deliveryId} (${guid})`);
    }
    return { guid, deliveryId };
  });
}
