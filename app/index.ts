import type { Probot } from "probot";
import { onMemberAdded } from "./handlers/member-added.js";
import { onWorkflowRunCompleted } from "./handlers/workflow-run-completed.js";

/** The Probot app: each webhook does only what must happen at once, then hands off to a state machine. */
export default function orgFlows(app: Probot): void {
  app.on("organization.member_added", onMemberAdded);
  app.on("workflow_run.completed", onWorkflowRunCompleted);
}
