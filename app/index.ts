import type { Probot } from "probot";
import { onMemberAdded } from "./handlers/member-added.js";
import { onMemberRemoved } from "./handlers/member-removed.js";
import { onPullRequest } from "./handlers/pull-request.js";
import { underDeadline } from "./webhook/under-deadline.js";
import { onWorkflowRunCompleted } from "./handlers/workflow-run-completed.js";

/**
 * The Probot app: each webhook does only what must happen at once, then hands off to a state machine; each handler
 * runs under its delivery's deadline.
 */
export default function orgFlows(app: Probot): void {
  app.on("organization.member_added", underDeadline(onMemberAdded));
  app.on("workflow_run.completed", underDeadline(onWorkflowRunCompleted));
  app.on("organization.member_removed", underDeadline(onMemberRemoved));
  app.on(["pull_request.opened", "pull_request.synchronize", "pull_request.reopened"], underDeadline(onPullRequest));
}
