import type { Probot } from "probot";
import { underDeadline } from "./webhook/under-deadline.js";

/**
 * The Probot app: each webhook does only what must happen at once, then hands off to a state machine; each handler
 * runs under its delivery's deadline.
 *
 * The handlers (with the org config's YAML parser, the globs, the run schemas and the Step Functions client) are
 * loaded on their first event, not at start: a cold start answering a ping, a refused or an ignored delivery never
 * evaluates them (see the README's benchmarks).
 */
export default function orgFlows(app: Probot): void {
  app.on(
    "organization.member_added",
    underDeadline(async (context, deadline) => (await import("./handlers/member-added.js")).onMemberAdded(context, deadline)),
  );
  app.on(
    "workflow_run.completed",
    underDeadline(async (context, deadline) => (await import("./handlers/workflow-run-completed.js")).onWorkflowRunCompleted(context, deadline)),
  );
}
