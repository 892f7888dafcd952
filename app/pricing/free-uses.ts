// Uses of standard GitHub-hosted runners that GitHub does not bill, even in private repositories: Dependabot runs
// and GitHub Pages builds ("About billing for GitHub Actions", https://docs.github.com/en/billing/concepts/product-billing/github-actions).
// Larger runners are billed in these runs as everywhere. Pure.

export type FreeUseKind = "dependabot" | "pages";

export interface FreeUse {
  kind: FreeUseKind;
  /** why the standard-runner minutes cost nothing: kept on the job and the run record, shown in the report */
  reason: string;
}

export const FREE_USE_SOURCE = "https://docs.github.com/en/billing/concepts/product-billing/github-actions";

// GitHub runs both as dynamic workflows: `path` is dynamic/dependabot/dependabot-updates or
// dynamic/pages/pages-build-deployment (sometimes followed by "@<ref>").
const DYNAMIC = /^dynamic\/(dependabot|pages)\//i;

/** The free use a run's workflow path names, or undefined for an ordinary workflow. */
export function freeUseOf(workflowPath: string | null | undefined): FreeUse | undefined {
  const m = DYNAMIC.exec(workflowPath?.trim() ?? "");
  if (!m) return undefined;
  const kind = m[1]!.toLowerCase() as FreeUseKind;
  return kind === "dependabot"
    ? { kind, reason: "standard runner in a Dependabot run: free" }
    : { kind, reason: "standard runner in a GitHub Pages build: free" };
}
