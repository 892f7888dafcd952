import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { MAX_ATTEMPTS_PER_PAGE, PER_PAGE, takeRuns, type ApiRun } from "../app/backfill/runs.js";

/**
 * Step Functions' limits for one execution are 25,000 history events and 256 KiB of data between states. This
 * computes, from the ASL files themselves, the most events any backfill execution can have for an org with 1,000
 * repositories and 100,000 runs in the window (all of them in one repository, the worst case for that child), and
 * the largest state data a page can carry. Event counts per state follow AWS's history: a Lambda task is Entered,
 * Scheduled, Started, Succeeded/Failed, Exited; a `.sync` child adds Submitted; a Map is Entered, Started,
 * Succeeded, Exited plus an IterationStarted/Succeeded pair around each item. Retries are not counted (each adds
 * 3 events); the margin below leaves room for them.
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
}
interface Machine {
  StartAt: string;
  States: Record<string, State>;
}

const load = (name: string): Machine => JSON.parse(readFileSync(new URL(`../machines/${name}.asl.json`, import.meta.url), "utf8")) as Machine;

function ownEvents(state: State): number {
  if (state.Type === "Task") return state.Resource?.includes("startExecution.sync") ? 6 : 5;
  return 2;
}

/**
 * The most events of one pass from `from` to an end, not following a transition back to a state already on the
 * path (the loops are counted by the caller); `items` gives each Map's most items.
 */
function pathEvents(m: Machine, from: string, items: Record<string, number>, seen = new Set<string>()): number {
  if (seen.has(from)) return 0;
  const state = m.States[from];
  if (!state) throw new Error(`no state ${from}`);
  const path = new Set(seen).add(from);
  let own = ownEvents(state);
  if (state.Type === "Map") {
    const n = items[from];
    if (n === undefined) throw new Error(`how many items may ${from} have?`);
    own = 4 + n * (2 + pathEvents(state.ItemProcessor!, state.ItemProcessor!.StartAt, items));
  }
  const next = [state.Next, state.Default, ...(state.Choices ?? []).map((c) => c.Next), ...(state.Catch ?? []).map((c) => c.Next)].filter((s): s is string =>
    Boolean(s),
  );
  return own + Math.max(0, ...next.map((n) => pathEvents(m, n, items, path)));
}

const LIMIT_EVENTS = 25_000;
const REPOSITORIES = 1_000;
const RUNS = 100_000;
/** 1.5 attempts a run on average (most runs are never re-run); a page child prices at most 500 attempts. */
const ATTEMPTS = 150_000;
/** rate-limit waits assumed per execution (each one: list task, choice, wait, pass) */
const WAITS = 10;

describe("history events per execution, from the ASL", () => {
  it("backfill (org parent): one loop per page of 100 repositories", () => {
    const m = load("backfill");
    const perPage = pathEvents(m, "ListRepositories", { Repositories: 100 }, new Set(["Start"]));
    const pages = Math.ceil(REPOSITORIES / PER_PAGE);
    const total = 2 + pages * perPage + WAITS * (5 + 2 + 2 + 2);
    expect(perPage).toBeLessThan(1_100); // with the last page's fold and end counted on every page
    expect(total).toBeLessThan(LIMIT_EVENTS * 0.5);
  });

  it("backfill-repository: 8 events a page child, for 100,000 runs in one repository", () => {
    const m = load("backfill-repository");
    const perPage = pathEvents(m, "Page", {}, new Set(["Start"])) - pathEvents(m, "Done", {});
    expect(perPage).toBe(8);
    const parts = Math.ceil(RUNS / 800);
    // every page of 100, each part's last partial page, the probes (with a second split of each part allowed for),
    // and a page asked again whenever its attempts exceed one page child
    const pages = Math.ceil(RUNS / PER_PAGE) + parts + 2 * parts + Math.ceil(ATTEMPTS / MAX_ATTEMPTS_PER_PAGE);
    const total = 2 + pages * perPage + 2;
    expect(total).toBeLessThan(LIMIT_EVENTS * 0.6);
  });

  it("backfill-page: at most 500 attempts, whatever the page holds", () => {
    const m = load("backfill-page");
    const total = pathEvents(m, "ListRuns", { PriceAttempts: MAX_ATTEMPTS_PER_PAGE }) + WAITS * (5 + 2 + 2 + 2);
    expect(total).toBeLessThan(LIMIT_EVENTS * 0.3);
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
});
