import { DEMO_INSTALLATION_ID } from "./demo-scenario.js";
import type { StandinJob } from "./github-standin.js";

/**
 * The demo's completed workflow runs, in acme (2026 rates). Each figure below is a hand computation from
 * app/pricing/rates.json, so the demo can check the chargeback table against it:
 *
 *  acme/api (private)
 *    run 9001 attempt 1: a 120-job matrix on ubuntu-latest, 130 s each -> 3 min each = 360 min x $0.006 = $2.160000
 *                        plus a skipped job (never started)             -> 0 min
 *    run 9002 attempt 1: ubuntu-latest 300 s -> 5 min x $0.006 = $0.030000 (failed, then re-run)
 *    run 9002 attempt 2: ubuntu-latest 600 s -> 10 min x $0.006 = $0.060000
 *    => runs 2, attempts 3, minutes 375, cost $2.250000
 *  acme/website (public)
 *    run 9003: ubuntu-latest 240 s -> 4 min, free (standard runner, public repository)
 *              linux-16core-builders (larger runner, 16 cores) 61 s -> 2 min x $0.042 = $0.084000 (billed even in public)
 *              self-hosted 1800 s -> 30 min, $0
 *    => runs 1, attempts 1, minutes 36, cost $0.084000
 *  acme/ios (private)
 *    run 9004: macos-latest 421 s -> 8 min x $0.062 = $0.496000
 *              ubuntu-latest 59 s -> 1 min x $0.006 = $0.006000
 *              label "gpu-beast" (nothing recognises it) 180 s -> 3 min, sku unknown, $0, flagged
 *    => runs 1, attempts 1, minutes 12 (3 unknown), cost $0.502000
 *  acme/infra (private), pull request #42
 *    run 9005: ubuntu-latest 100 s -> 2 min x $0.006 = $0.012000
 *              self-hosted fleet (label `fleet`, rate $0.0015 in chargeback.yml) 1200 s -> 20 min x $0.0015 = $0.030000
 *    => runs 1, attempts 1, minutes 22, cost $0.042000 (GitHub bills the fleet minutes at $0; the org's own rate
 *       charges them to acme/infra and its cost centre)
 *  The delivery of run 9001 is sent twice: it must count once.
 *
 *  Cost centres (acme's .github/chargeback.yml in demo-scenario.ts):
 *    Payments     acme/api by its `cost-center` custom property               => $2.250000 (2 runs, 3 attempts)
 *    web          acme/website by the rule acme/web*                          => $0.084000
 *    platform     acme/infra by the rule acme/infra*                          => $0.042000
 *    unallocated  acme/ios (no property, no rule)                             => $0.502000
 *  The Payments budget ($2.00, alert at 100%) is crossed once: one notification, whatever the redeliveries.
 */
export interface DemoRun {
  repo: string;
  /** the workflow file (default .github/workflows/ci.yml) */
  path?: string;
  visibility: "public" | "private";
  runId: number;
  attempt: number;
  conclusion: string;
  jobs: StandinJob[];
  /** a pull request's run: its event is pull_request and the payload lists the pull request */
  pullRequest?: { number: number; branch: string };
}

export interface ExpectedTotals {
  repository: string;
  runs: number;
  attempts: number;
  minutes: number;
  costMicros: number;
  unknownMinutes: number;
}

/** Repository custom properties, as GitHub puts them in the payload (`repository.custom_properties`). */
export const DEMO_REPO_PROPERTIES: Record<string, Record<string, string>> = {
  "acme/api": { "cost-center": "Payments", "data-classification": "internal" },
  "acme/website": { "data-classification": "public" },
};

export const EXPECTED_COST_CENTERS: Record<string, { runs: number; attempts: number; costMicros: number }> = {
  Payments: { runs: 2, attempts: 3, costMicros: 2_250_000 },
  web: { runs: 1, attempts: 1, costMicros: 84_000 },
  platform: { runs: 1, attempts: 1, costMicros: 42_000 },
  unallocated: { runs: 1, attempts: 1, costMicros: 502_000 },
};

export const EXPECTED_TOTALS: ExpectedTotals[] = [
  { repository: "acme/api", runs: 2, attempts: 3, minutes: 375, costMicros: 2_250_000, unknownMinutes: 0 },
  { repository: "acme/ios", runs: 1, attempts: 1, minutes: 12, costMicros: 502_000, unknownMinutes: 3 },
  { repository: "acme/infra", runs: 1, attempts: 1, minutes: 22, costMicros: 42_000, unknownMinutes: 0 },
  { repository: "acme/website", runs: 1, attempts: 1, minutes: 36, costMicros: 84_000, unknownMinutes: 0 },
];

/** The pull request of acme/infra's run, and what `report --by pull-request` must show for it. */
export const EXPECTED_PULL_REQUEST = { repository: "acme/infra", pullRequest: "#42", costMicros: 42_000, minutes: 22 };

const DAY = "2026-11-18";
let nextJobId = 70_000;

function job(attempt: number, name: string, labels: string[], start: string | null, seconds: number, conclusion = "success"): StandinJob {
  const started = start ? new Date(`${DAY}T${start}Z`) : null;
  return {
    id: nextJobId++,
    name,
    status: "completed",
    conclusion,
    started_at: started ? started.toISOString().replace(".000", "") : null,
    completed_at: started ? new Date(started.getTime() + seconds * 1000).toISOString().replace(".000", "") : `${DAY}T09:00:00Z`,
    labels,
    runner_name: labels.includes("self-hosted") ? "build-box-1" : `GitHub Actions ${nextJobId}`,
    runner_group_name: labels.includes("self-hosted") ? "Default" : "GitHub Actions",
    run_attempt: attempt,
  };
}

export const DEMO_RUNS: DemoRun[] = [
  {
    repo: "acme/api",
    visibility: "private",
    runId: 9001,
    attempt: 1,
    conclusion: "success",
    jobs: [
      ...Array.from({ length: 120 }, (_, i) => job(1, `test (node ${18 + (i % 3)}, shard ${i})`, ["ubuntu-latest"], "08:00:05", 130)),
      job(1, "deploy", ["ubuntu-latest"], null, 0, "skipped"),
    ],
  },
  {
    repo: "acme/api",
    path: ".github/workflows/release.yml",
    visibility: "private",
    runId: 9002,
    attempt: 1,
    conclusion: "failure",
    jobs: [job(1, "build", ["ubuntu-latest"], "10:00:00", 300, "failure")],
  },
  {
    repo: "acme/api",
    path: ".github/workflows/release.yml",
    visibility: "private",
    runId: 9002,
    attempt: 2,
    conclusion: "success",
    jobs: [job(2, "build", ["ubuntu-latest"], "10:20:00", 600)],
  },
  {
    repo: "acme/website",
    visibility: "public",
    runId: 9003,
    attempt: 1,
    conclusion: "success",
    jobs: [
      job(1, "lint", ["ubuntu-latest"], "11:00:00", 240),
      job(1, "e2e", ["linux-16core-builders"], "11:00:00", 61),
      job(1, "render", ["self-hosted", "linux", "x64"], "11:00:00", 1800),
    ],
  },
  {
    repo: "acme/ios",
    visibility: "private",
    runId: 9004,
    attempt: 1,
    conclusion: "success",
    jobs: [
      job(1, "xcodebuild", ["macos-latest"], "12:00:00", 421),
      job(1, "changelog", ["ubuntu-latest"], "12:00:00", 59),
      job(1, "ml-smoke", ["gpu-beast"], "12:00:00", 180),
    ],
  },
  {
    repo: "acme/infra",
    visibility: "private",
    runId: 9005,
    attempt: 1,
    conclusion: "success",
    pullRequest: { number: 42, branch: "fleet-upgrade" },
    jobs: [job(1, "plan", ["ubuntu-latest"], "13:00:00", 100), job(1, "apply", ["self-hosted", "linux", "fleet"], "13:00:00", 1200)],
  },
];

export function jobsIndex(): Record<string, StandinJob[]> {
  return Object.fromEntries(DEMO_RUNS.map((r) => [`${r.repo}#${r.runId}#${r.attempt}`.toLowerCase(), r.jobs]));
}

/** A `workflow_run` webhook with action `completed`, shaped as GitHub sends it. */
export function workflowRunPayload(r: DemoRun): Record<string, unknown> {
  const [owner, name] = r.repo.split("/") as [string, string];
  const times = r.jobs
    .flatMap((j) => [j.started_at, j.completed_at])
    .filter((t): t is string => Boolean(t))
    .sort();
  const actor = { login: "alice-dev", id: 5001, type: "User", site_admin: false };
  const repository = {
    id: 300 + (r.runId % 100),
    node_id: `R_${r.runId}`,
    name,
    full_name: r.repo,
    private: r.visibility !== "public",
    visibility: r.visibility,
    owner: { login: owner, id: 1001, type: "Organization", site_admin: false },
    html_url: `https://github.com/${r.repo}`,
    default_branch: "main",
    custom_properties: DEMO_REPO_PROPERTIES[r.repo] ?? {},
  };
  return {
    action: "completed",
    workflow_run: {
      id: r.runId,
      name: "CI",
      node_id: `WFR_${r.runId}`,
      head_branch: r.pullRequest?.branch ?? "main",
      head_sha: "3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a",
      path: r.path ?? ".github/workflows/ci.yml",
      display_title: "Build and test",
      run_number: r.runId - 9000,
      event: r.pullRequest ? "pull_request" : "push",
      pull_requests: r.pullRequest
        ? [
            {
              url: `https://api.github.com/repos/${r.repo}/pulls/${r.pullRequest.number}`,
              id: 880_000 + r.pullRequest.number,
              number: r.pullRequest.number,
              head: { ref: r.pullRequest.branch, sha: "3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a" },
              base: { ref: "main", sha: "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c" },
            },
          ]
        : [],
      status: "completed",
      conclusion: r.conclusion,
      workflow_id: 777,
      run_attempt: r.attempt,
      run_started_at: times[0],
      created_at: times[0],
      updated_at: times.at(-1),
      html_url: `https://github.com/${r.repo}/actions/runs/${r.runId}`,
      jobs_url: `https://api.github.com/repos/${r.repo}/actions/runs/${r.runId}/jobs`,
      actor,
      triggering_actor: actor,
      repository,
      head_repository: repository,
    },
    workflow: { id: 777, name: "CI", path: r.path ?? ".github/workflows/ci.yml", state: "active" },
    repository,
    organization: { login: owner, id: 1001 },
    sender: actor,
    installation: { id: DEMO_INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" },
  };
}
