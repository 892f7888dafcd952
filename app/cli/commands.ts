import type { CliIo } from "./format.js";

/**
 * Every subcommand of `org-flows`, in the order `org-flows --help` lists them. Each module exports
 * `main(argv, io)` returning the exit code; it is loaded only when its command runs, so `--help` stays fast.
 */
export interface CliCommand {
  readonly name: string;
  readonly summary: string;
  /** Exit as soon as main fails (a server whose start failed must not hang on open handles). */
  readonly exitOnError?: boolean;
  load(): Promise<{ main(argv: string[], io: CliIo): Promise<number> }>;
}

export const COMMANDS: readonly CliCommand[] = [
  { name: "start", summary: "run the webhook server (on the embedded default unless AWS is configured)", exitOnError: true, load: () => import("./start.js") },
  {
    name: "setup",
    summary: "store the App's credentials (from .env or the environment) in the deployed stack's secret: setup aws",
    load: () => import("./setup.js"),
  },
  { name: "demo", summary: "run the whole product end to end on this machine and check every outcome", load: () => import("./demo.js") },
  { name: "members", summary: "list the members the app has onboarded in an organisation", load: () => import("./members.js") },
  { name: "executions", summary: "list recent executions, show one state by state, or redrive failed ones", load: () => import("./executions.js") },
  {
    name: "report",
    summary: "the Actions chargeback of an organisation: per repository, cost centre, workflow or SKU, with budgets",
    load: () => import("./report.js"),
  },
  {
    name: "sync-teams",
    summary: "team drift: who misses the teams config and directory rules give them; --apply adds them",
    load: () => import("./sync-teams.js"),
  },
  { name: "reconcile", summary: "compare the app's figures with GitHub's billing usage report", load: () => import("./reconcile.js") },
  { name: "backfill", summary: "price an organisation's past workflow runs that no delivery priced", load: () => import("./backfill.js") },
  { name: "redeliver", summary: "redeliver the App's failed webhook deliveries now (also runs on a schedule)", load: () => import("./redeliver.js") },
];
