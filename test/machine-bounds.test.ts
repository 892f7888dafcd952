import { describe, expect, it, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { MAX_ATTEMPTS_PER_PAGE, PER_PAGE, takeRuns, type ApiRun } from "../app/backfill/runs.js";
import { MACHINES, type MachineKey } from "../app/dispatch/machines.js";
import { MAX_CANDIDATES } from "../app/redelivery/deliveries.js";
import type { MemberItem } from "../app/backfill/members.js";
import { onboardingInputSchema } from "../app/records/onboarding-input.js";
import { MAX_ADDS_PER_EXECUTION } from "../app/teams/drift.js";

/**
 * Step Functions' limits for one execution: 25,000 history events and 256 KiB of data between states. For every
 * machine in app/dispatch/machines.ts this computes, from its ASL file, an upper bound of the events of one execution
 * for the largest org the product is sized for (100,000 repositories, 100,000 members, 100,000 runs of one repository
 * in a backfill window, 100 budgets, 500 pages of deliveries in the sweep's window), and fails when
 * it passes 20,000: the 5,000 left are the margin for retries (3 events each), which are not counted.
 *
 * AWS's history (GetExecutionHistory): an execution is Started and Succeeded/Failed (2); a Task state is Entered,
 * Scheduled, Started, Succeeded/Failed, Exited (5), a `.sync` child adds Submitted (6); a Map is Entered, Started,
 * Succeeded, Exited (4) plus an IterationStarted/Succeeded pair around each item; any other state is Entered and
 * Exited (2). The bound: each top-level state's events times the most times it can be entered (1 unless given), with
 * a Map's items counted over the whole execution and its body by its longest path. A state on a loop must be given
 * its number of visits, so that a new loop fails this test until it is sized.
 */
interface State {
  Type: string;
  Resource?: string;
  Next?: string;
  End?: boolean;
  Default?: string;
  Choices?: Array<{ Next: string }>;
  Catch?: Array<{ Next: string }>;
  ItemProcessor?: Machine;
  /** the older name of ItemProcessor */
  Iterator?: Machine;
}
interface Machine {
  StartAt: string;
  States: Record<string, State>;
}

const load = (file: string): Machine => JSON.parse(readFileSync(new URL(`../machines/${file}`, import.meta.url), "utf8")) as Machine;

const nextOf = (state: State): string[] =>
  [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)].filter((s): s is string => Boolean(s));

function ownEvents(state: State): number {
  if (state.Type === "Task") return state.Resource?.includes("startExecution.sync") ? 6 : 5;
  return 2;
}

/** The states that lie on a cycle of `m` (Tarjan's strongly connected components of more than one state, or a self-loop). */
function statesOnLoops(m: Machine): Set<string> {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out = new Set<string>();
  let n = 0;
  const visit = (v: string): void => {
    index.set(v, n);
    low.set(v, n++);
    stack.push(v);
    onStack.add(v);
    for (const w of nextOf(m.States[v]!)) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || nextOf(m.States[v]!).includes(v)) for (const s of scc) out.add(s);
    }
  };
  for (const s of Object.keys(m.States)) if (!index.has(s)) visit(s);
  return out;
}

/** The most events of one pass through an acyclic part (a Map's body) from `from` to an end. */
function longestPath(m: Machine, from: string): number {
  const state = m.States[from];
  if (!state) throw new Error(`no state ${from}`);
  if (state.Type === "Map") throw new Error(`a Map inside a Map (${from}) is not sized here`);
  return ownEvents(state) + Math.max(0, ...nextOf(state).map((n) => longestPath(m, n)));
}

interface Size {
  /** the most times a top-level state is entered in one execution (default 1); required for every state on a loop */
  visits?: Record<string, number>;
  /** each Map's items over the whole execution */
  items?: Record<string, number>;
}

function boundOf(m: Machine, size: Size): number {
  const visits = size.visits ?? {};
  const unsized = [...statesOnLoops(m)].filter((s) => visits[s] === undefined).sort();
  if (unsized.length) throw new Error(`states on a loop without a number of visits: ${unsized.join(", ")}`);
  let events = 2;
  for (const [name, state] of Object.entries(m.States)) {
    const times = visits[name] ?? 1;
    if (state.Type === "Map") {
      const body = (state.ItemProcessor ?? state.Iterator)!;
      if (statesOnLoops(body).size) throw new Error(`${name}: a loop inside a Map is not sized here`);
      const items = size.items?.[name];
      if (items === undefined) throw new Error(`how many items may ${name} have?`);
      events += times * 4 + items * (2 + longestPath(body, body.StartAt));
    } else events += times * ownEvents(state);
  }
  return events;
}

const BUDGET = 20_000;
const REPOSITORIES = 100_000;
const MEMBERS = 100_000;
/** runs of one repository in the backfill window (the worst case for that repository's child) */
const RUNS = 100_000;
/** 1.5 attempts a run on average (most runs are never re-run); a page child prices at most 500 attempts. */
const ATTEMPTS = 150_000;
/** rate-limit waits allowed for per execution that lists from GitHub */
const WAITS = 10;
const PAGE = 100;
const loop = (n: number, ...states: string[]): Record<string, number> => Object.fromEntries(states.map((s) => [s, n]));

/** Every machine, with the largest execution it can have for the largest org. */
const SIZES: Record<MachineKey, Size> = {
  // one page child per 100 repositories, and the empty page after the last
  backfill: { visits: loop(REPOSITORIES / PAGE + 1, "Page", "MorePages") },
  backfillRepositories: {
    visits: { ...loop(WAITS + 1, "ListRepositories", "RateLimited"), ...loop(WAITS, "WaitForRateLimitReset", "Folded") },
    items: { Repositories: PAGE },
  },
  // every page of 100, each part's last partial page, the probes (a second split of each part allowed for), and a
  // page asked again whenever its attempts exceed one page child
  backfillRepository: {
    visits: loop(Math.ceil(RUNS / PER_PAGE) + 3 * Math.ceil(RUNS / 800) + Math.ceil(ATTEMPTS / MAX_ATTEMPTS_PER_PAGE), "Page", "MorePages"),
  },
  backfillPage: {
    visits: { ...loop(WAITS + 1, "ListRuns", "RateLimited"), ...loop(WAITS, "WaitForRateLimitReset", "KeepProgress") },
    items: { PriceAttempts: MAX_ATTEMPTS_PER_PAGE },
  },
  memberBackfill: { visits: loop(MEMBERS / PAGE + 1, "Page", "MorePages") },
  memberBackfillPage: { items: { Members: PAGE } },
  memberOnboarding: {},
  memberOffboarding: {},
  // at most maxChanges (1,000) additions a plan, cut into executions of MAX_ADDS_PER_EXECUTION
  teamSync: { items: { SyncMembers: MAX_ADDS_PER_EXECUTION } },
  // 10 tries of a conflicting transaction; each follow-up of the commit once, through its routing state
  workflowRunCost: {
    visits: {
      ...loop(11, "RecordFirstOfRun", "RecordRepeatOfRun", "CountTry", "LookUpAttempt", "AttemptRecorded", "LookUpRunSeen", "RunCounted"),
      ...loop(10, "NextTry", "TooManyTries", "BackOff", "WaitBeforeTry"),
      ...loop(5, "AfterRecording"),
      ...loop(1, "FirstTry", "SendBudgetAlerts", "DecideBudgetAlerts", "RememberSettings", "NotifyUnpricedMinutes"),
    },
    // one alert a budget at most (the highest threshold reached), 100 budgets
    items: { SendBudgetAlerts: 100 },
  },
  // 500 pages of deliveries, WAITS rate limits, at most MAX_CANDIDATES redeliveries over the sweep
  redelivery: {
    visits: {
      ...loop(500 + WAITS, "ListDeliveries", "RateLimited"),
      ...loop(WAITS, "WaitForReset"),
      ...loop(500, "TakeLease", "RedeliverEach", "MorePages"),
    },
    items: { RedeliverEach: MAX_CANDIDATES },
  },
};

describe("history events per execution, from the ASL, for the largest org", () => {
  test.each(Object.keys(MACHINES) as MachineKey[])("%s stays under 20,000 events", (key) => {
    const events = boundOf(load(MACHINES[key].file), SIZES[key]);
    expect(events).toBeLessThan(BUDGET);
  });

  it("every machine is sized here, and a loop without a size is refused", () => {
    expect(Object.keys(SIZES).sort()).toEqual(Object.keys(MACHINES).sort());
    const loopy: Machine = {
      StartAt: "A",
      States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Choice", Choices: [{ Next: "A" }], Default: "C" }, C: { Type: "Succeed" } },
    };
    expect(() => boundOf(loopy, {})).toThrow("states on a loop without a number of visits: A, B");
    expect(boundOf(loopy, { visits: loop(3, "A", "B") })).toBe(2 + 3 * 2 + 3 * 2 + 2);
  });

  it("the parents grow by 8 events a page: a page child per page keeps them under the budget however large the org", () => {
    for (const key of ["backfill", "memberBackfill", "backfillRepository"] as const) {
      const m = load(MACHINES[key].file);
      expect(ownEvents(m.States.Page!) + ownEvents(m.States.MorePages!)).toBe(8);
    }
    // The old single execution of the member backfill spent 2 + 5 + 2 + 6 + 2 = 17 events a member: 1,400 members.
    expect(boundOf(load(MACHINES.memberBackfillPage.file), SIZES.memberBackfillPage)).toBeLessThan(2_500);
  });
});

describe("state data", () => {
  it("a page with the longest strings and the most attempts stays well under 256 KiB", () => {
    const long = (n: number): string => "x".repeat(n);
    const runs: ApiRun[] = Array.from({ length: PER_PAGE }, (_, i) => ({
      id: 9_000_000_000 + i,
      name: long(1_024),
      path: long(1_024),
      event: "workflow_dispatch",
      head_branch: long(255),
      actor: { login: long(39) },
      conclusion: "success",
      run_attempt: 50,
      run_started_at: "2026-10-02T10:00:00Z",
      updated_at: "2026-10-02T10:05:00Z",
    }));
    const { facts, attempts } = takeRuns(runs, 0, `${long(39)}/${long(100)}`);
    const windows = Array.from({ length: 200 }, () => ["2026-10-01T00:00:00Z", "2026-10-31T23:59:59Z"]);
    const state = {
      listing: { facts, attempts, progress: { cursor: { windows, page: 10, skip: 0 } } },
      priced: Array.from({ length: attempts.length }, () => "failed"),
    };
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(200 * 1024);
  });

  it("a page of members holds no team results: 100 members with the longest strings and 50 teams stay well under 256 KiB", () => {
    const long = (n: number): string => "x".repeat(n);
    const members: MemberItem[] = Array.from({ length: 100 }, (_, i) => ({
      id: 9_000_000_000 + i,
      key: { pk: { S: `ORG#${long(39)}` }, sk: { S: `MEMBER#${long(39)}` } },
      onboarding: onboardingInputSchema.parse({
        org: long(39),
        orgId: 9_000_000_000,
        installationId: 9_000_000_000,
        member: { login: long(39), id: 9_000_000_000 + i, type: "User" },
        teams: [],
        teamProblems: [],
        dryRun: false,
        configSource: `${long(39)}/.github:.github/onboarding.yml`,
        deliveryId: long(80),
        receivedAt: "2026-12-07T10:00:00.000Z",
        notify: false,
      }),
    }));
    const addTeams = Array.from({ length: 50 }, () => ({ slug: long(100), role: "maintainer" as const }));
    const results = Array.from({ length: 100 }, () => ({ onboarded: 1, teamAdds: 50, githubCalls: 101 }));
    const state = {
      input: { org: long(39), teams: true, concurrency: 40 },
      listing: { members, addTeams, page: 1000, done: false },
      results,
      backfill: long(80),
    };
    expect(Buffer.byteLength(JSON.stringify(state))).toBeLessThan(100 * 1024);
  });
});
