// A generated Actions history for the GitHub stand-in: repositories with completed workflow runs (some re-run),
// each attempt one ubuntu-latest job of a whole number of minutes in a private repository, so that its price is a
// hand computation: minutes x $0.006 (GitHub's 2026 rate for Linux 2-core). Used by the backfill tests, the demo
// and the benchmark.
import type { StandinJob, StandinRepository, StandinRun } from "./github-standin.js";

/** USD 0.006 a minute (app/pricing/rates.json, actions_linux from 2026-01-01), in micro-dollars. */
export const LINUX_MICROS_PER_MINUTE = 6_000;

export interface HistoryOptions {
  org: string;
  repositories: number;
  runsPerRepository: number;
  /** first run's creation; runs follow every `spacingSeconds` */
  start: string;
  spacingSeconds: number;
  /** every n-th run was re-run once (2 attempts); 0: none */
  rerunEvery: number;
  firstRepositoryId?: number;
  firstRunId?: number;
}

export interface RunAttempt {
  repository: string;
  visibility: StandinRepository["visibility"];
  run: StandinRun;
  attempt: number;
  minutes: number;
  /** the attempt's completion, as its webhook's workflow_run.updated_at would say */
  updatedAt: string;
}

export interface History {
  repositories: StandinRepository[];
  runs: Record<string, StandinRun[]>;
  jobs: Record<string, StandinJob[]>;
  attempts: RunAttempt[];
  expected: {
    runs: number;
    attempts: number;
    minutes: number;
    costMicros: number;
    byRepository: Record<string, { runs: number; attempts: number; minutes: number; costMicros: number }>;
  };
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export function generateHistory(o: HistoryOptions): History {
  const repositories: StandinRepository[] = [];
  const runs: Record<string, StandinRun[]> = {};
  const jobs: Record<string, StandinJob[]> = {};
  const attempts: RunAttempt[] = [];
  const byRepository: History["expected"]["byRepository"] = {};
  let runId = o.firstRunId ?? 70_000_001;
  let jobId = 900_000_001;
  const start = Date.parse(o.start);
  for (let r = 0; r < o.repositories; r++) {
    const repo: StandinRepository = { id: (o.firstRepositoryId ?? 500_001) + r, name: `service-${String(r + 1).padStart(3, "0")}`, visibility: "private" };
    repositories.push(repo);
    const fullName = `${o.org}/${repo.name}`;
    const list: StandinRun[] = [];
    const sums = { runs: 0, attempts: 0, minutes: 0, costMicros: 0 };
    for (let i = 0; i < o.runsPerRepository; i++) {
      const created = start + (i * o.repositories + r) * o.spacingSeconds * 1000;
      const latest = o.rerunEvery > 0 && i % o.rerunEvery === o.rerunEvery - 1 ? 2 : 1;
      let at = created;
      let run: StandinRun | undefined;
      const id = runId++;
      for (let a = 1; a <= latest; a++) {
        const minutes = 1 + ((i + r + a) % 5);
        const started = at + 10_000;
        const completed = started + minutes * 60_000;
        jobs[`${fullName}#${id}#${a}`.toLowerCase()] = [
          {
            id: jobId++,
            name: "build",
            status: "completed",
            conclusion: a === latest ? "success" : "failure",
            started_at: iso(started),
            completed_at: iso(completed),
            labels: ["ubuntu-latest"],
            runner_name: "GitHub Actions 1",
            runner_group_name: "GitHub Actions",
            run_attempt: a,
          },
        ];
        run = {
          id,
          name: "CI",
          path: ".github/workflows/ci.yml",
          event: "push",
          status: "completed",
          conclusion: "success",
          head_branch: "main",
          actor: { login: "octocat" },
          run_attempt: a,
          created_at: iso(created),
          run_started_at: iso(at),
          updated_at: iso(completed + 5_000),
        };
        attempts.push({ repository: fullName, visibility: repo.visibility, run: { ...run }, attempt: a, minutes, updatedAt: run.updated_at });
        sums.attempts += 1;
        sums.minutes += minutes;
        sums.costMicros += minutes * LINUX_MICROS_PER_MINUTE;
        at = completed + 60_000;
      }
      sums.runs += 1;
      list.push(run!);
    }
    runs[fullName.toLowerCase()] = list;
    byRepository[fullName] = sums;
  }
  const total = Object.values(byRepository).reduce(
    (t, s) => ({ runs: t.runs + s.runs, attempts: t.attempts + s.attempts, minutes: t.minutes + s.minutes, costMicros: t.costMicros + s.costMicros }),
    { runs: 0, attempts: 0, minutes: 0, costMicros: 0 },
  );
  return { repositories, runs, jobs, attempts, expected: { ...total, byRepository } };
}

/** The workflow_run.completed payload GitHub would have delivered for one attempt (the fields the app reads). */
export function deliveryPayload(a: RunAttempt, org: string, installationId: number, repositoryId: number): Record<string, unknown> {
  return {
    action: "completed",
    installation: { id: installationId },
    organization: { login: org },
    repository: { id: repositoryId, full_name: a.repository, private: a.visibility !== "public", visibility: a.visibility, owner: { login: org } },
    workflow_run: { ...a.run, run_attempt: a.attempt, updated_at: a.updatedAt },
  };
}
