// Task Lambda of the redelivery machine: the App's webhook deliveries after the stored cursor (App JWT), and the
// guids whose latest delivery failed. The machine redelivers them, counts them and stores the returned cursor.
import { cursorFromItem, cursorItem, listDeliveriesEventSchema, redeliveryKey, type ListDeliveriesOutput } from "../redelivery/contract.js";
import { listDeliveriesAfter, planSweep, sweepStart } from "../redelivery/deliveries.js";
import { withDeadline } from "../outbound.js";
import { firstIssue } from "../validation.js";
import { InvalidInputError } from "../errors.js";
import { TASK_BUDGET_MS } from "./budget.js";
import { classify } from "./classify.js";
import { appOctokit } from "../github/octokit.js";

export function handler(event: unknown): Promise<ListDeliveriesOutput> {
  return withDeadline(TASK_BUDGET_MS.deliveries, () => listDeliveries(event));
}

async function listDeliveries(event: unknown): Promise<ListDeliveriesOutput> {
  const parsed = listDeliveriesEventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidInputError(`list-deliveries input: ${firstIssue(parsed.error)}`);
  const now = new Date();
  const start = sweepStart(cursorFromItem(parsed.data.stored), now);
  let listed: Awaited<ReturnType<typeof listDeliveriesAfter>>;
  try {
    listed = await listDeliveriesAfter(await appOctokit(), start);
  } catch (err) {
    throw classify(err, "the App's webhook deliveries");
  }
  const plan = planSweep(listed.deliveries, undefined, start);
  return {
    checked: plan.checked,
    failed: plan.failed,
    deferred: plan.deferred,
    githubCalls: listed.calls,
    candidates: plan.candidates.map((c) => ({ ...c, key: redeliveryKey(c.guid) })),
    cursor: plan.cursor ?? null,
    cursorItem: plan.cursor ? cursorItem(plan.cursor, parsed.data.sweep) : null,
    now: now.toISOString(),
  };
}
