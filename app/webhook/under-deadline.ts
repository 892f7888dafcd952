import type { ProbotOctokit } from "probot";
import { currentDeadline, Deadline, DELIVERY_DEADLINE_MS } from "../deadline.js";
import { guardOctokit } from "./github-calls.js";

/**
 * A handler run under its delivery's deadline: the one the front door set (carried through Probot by
 * AsyncLocalStorage), or a fresh one when the event came some other way. Every GitHub call through
 * `context.octokit` is then bounded by it, and the handler receives it for what it starts itself.
 */
export function underDeadline<C extends { octokit: InstanceType<typeof ProbotOctokit> }>(
  handler: (context: C, deadline: Deadline) => Promise<void>,
): (context: C) => Promise<void> {
  return async (context) => {
    const given = currentDeadline();
    const deadline = given ?? new Deadline(DELIVERY_DEADLINE_MS);
    guardOctokit(context.octokit, deadline);
    try {
      await handler(context, deadline);
    } finally {
      if (!given) deadline.dispose();
    }
  };
}
